/**
 * The layers of src/ and what each may import: the one table behind both the dependency rules
 * (.dependency-cruiser.cjs, run by `npm run lint:deps`) and the diagram in docs/architecture.md
 * (test/entry/architecture-doc.test.ts checks that the diagram shows exactly these arrows).
 * A layer imports only itself and the layers listed for it; src/entry (the composition root)
 * and src/index.ts may import everything.
 */
module.exports = {
  fiscal: [],
  machines: ['fiscal'],
  io: ['fiscal'],
  device: ['fiscal', 'machines', 'io'],
  'shtrih/protocol': ['fiscal'],
  'shtrih/driver': ['shtrih/protocol', 'device', 'fiscal', 'io'],
  'shtrih/front': ['shtrih/protocol', 'device', 'fiscal', 'io'],
  'atol/protocol': ['fiscal'],
  'atol/driver': ['atol/protocol', 'device', 'fiscal', 'io'],
  'atol/front': ['atol/protocol', 'service', 'device', 'fiscal', 'io'],
  service: ['device', 'machines', 'io', 'fiscal'],
  inspect: ['machines'],
  slips: ['fiscal'],
  api: ['service', 'inspect', 'device', 'slips', 'fiscal'],
  mocks: ['fiscal'],
};
