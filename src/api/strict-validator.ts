import { type TSchema, TypeGuard } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Route schemas checked as written. Fastify's default Ajv coerces (`{"cashier": 42}` becomes
 * "42", `{"paper_out": "yes"}` an error only by luck) and strips or defaults fields, so a wrong
 * body could change the device. TypeBox's compiler checks without changing anything and names
 * every failing path; the errors take the shape Ajv gives, which the problem handler turns
 * into `errors: [{path, message}]`.
 */
export const strictValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => {
  if (!TypeGuard.IsSchema(schema)) throw new Error('route schemas must be TypeBox schemas');
  const check = TypeCompiler.Compile(schema as TSchema);
  return (data: unknown) => {
    if (check.Check(data)) return { value: data };
    const problems = [...check.Errors(data)].map((e) => ({
      keyword: 'type',
      instancePath: e.path,
      schemaPath: '',
      params: {},
      message: e.message.toLowerCase(),
    }));
    const error = Object.assign(new Error(problems.map((p) => `${p.instancePath || '/'} ${p.message}`).join('; ')), {
      validation: problems,
    });
    return { error };
  };
};
