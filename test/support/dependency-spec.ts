/**
 * A campaign spec whose change is `dependency` with the options given (YAML flow text), for the
 * tests that run it with `fleet apply`.
 *
 * @example dependencySpec('{ package: lodash, version: "^4.17.21" }')
 */
export function dependencySpec(options: string): string {
  return `name: bump
description: Move one library to a fixed version.
owner: U0OWNER01
channel: C0FLEET001
targets:
  repos: [acme/api]
change:
  kind: dependency
  options: ${options}
pr:
  title: "chore: bump"
steps: [open-pr]
`;
}
