/** One bad variable: its name, and why (`expected an integer 0-65535, got "80a"`). */
export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

/**
 * The sidecar's configuration cannot be used. The message lists every bad variable, one per line,
 * so an operator fixes them all in one go; `issues` holds the same for programs.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  ${issue.variable}: ${issue.message}`);
    super(`invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}
