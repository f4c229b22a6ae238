/** The stable error code a call throws, or 'valid'; anything without a code is rethrown (a bug). */
export function codeOf(run: () => unknown): string {
  try {
    run();
    return 'valid';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}
