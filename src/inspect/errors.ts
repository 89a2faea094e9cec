/** Every failure of the inspector and of `kkt-emu statecharts` carries a stable code. */
export type InspectErrorCode = 'INSPECT_RENDER_FAILED' | 'INSPECT_MERMAID_INVALID' | 'STATECHARTS_BAD_ARGS';

export class InspectError extends Error {
  override readonly name = 'InspectError';
  constructor(
    readonly code: InspectErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
