/**
 * What a command may touch: its output streams, standard input and the environment. Commands get
 * this instead of `process` so that tests can run them in-process and read what they printed.
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** `isTTY` true means a terminal (nothing piped). */
  stdin: AsyncIterable<string | Uint8Array> & { readonly isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
/** The operation failed: invalid token, unusable key, unreadable key file. */
export const EXIT_FAILURE = 1;
/** The command line was wrong: unknown command or option, missing or malformed value. */
export const EXIT_USAGE = 2;

/** The real process streams. */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    // A closed pipe (`… | head`) would otherwise crash with a stack trace; the reader is gone anyway.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') process.exitCode = EXIT_FAILURE;
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
