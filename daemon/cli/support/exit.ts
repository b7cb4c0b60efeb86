/** Thrown by a command to end with a one-line reason on stderr and a given exit code. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Exit code for invalid input (a bad URI, a bad file): 2, as the CLI contract says. */
export const EXIT_INVALID_INPUT = 2;
