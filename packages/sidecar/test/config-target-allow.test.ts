import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue, loadConfig } from '../src/config.ts';

/** Loads with `env` alone (no .env file), authentication off so that no key directory is needed. */
function load(env: Record<string, string>) {
  return loadConfig({ SCHEDULER_AUTH: 'off', ...env }, { envFile: false });
}

/** The issues loading reports about SCHEDULER_TARGET_ALLOW. */
function allowIssues(value: string): ConfigIssue[] {
  try {
    load({ SCHEDULER_TARGET_ALLOW: value });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.filter((issue) => issue.variable === 'SCHEDULER_TARGET_ALLOW');
  }
  throw new Error('loadConfig did not throw');
}

describe('SCHEDULER_TARGET_ALLOW', () => {
  it('is empty when unset or empty: every host but the cloud metadata endpoints', () => {
    expect(load({}).targetAllow).toEqual([]);
    expect(load({ SCHEDULER_TARGET_ALLOW: '' }).targetAllow).toEqual([]);
  });

  it('is a comma-separated list, spaces around entries ignored, frozen', () => {
    const config = load({ SCHEDULER_TARGET_ALLOW: 'api.example.com, *.svc.cluster.local,10.0.0.0/8 ,fd00::/8' });
    expect(config.targetAllow).toEqual(['api.example.com', '*.svc.cluster.local', '10.0.0.0/8', 'fd00::/8']);
    expect(Object.isFrozen(config.targetAllow)).toBe(true);
  });

  it.each([
    [
      'api.example.com,10.0.0.0/33,169.254.169.254',
      `"10.0.0.0/33": expected a prefix length from 0 to 32 after the /, got '33'; ` +
        '"169.254.169.254": 169.254.169.254 is a cloud metadata address: always refused',
    ],
    ['https://api.example.com', '"https://api.example.com": expected a host name'],
    // A list of nothing but slips would otherwise allow every host.
    [',', 'an empty entry (two commas in a row, or one at an end); an empty entry'],
  ])('stops start-up on %j, naming the variable and each bad entry', (value, message) => {
    const issues = allowIssues(value);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain(message);
    expect(issues[0]?.message).toContain(`, got ${JSON.stringify(value)}`);
  });
});
