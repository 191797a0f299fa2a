/** The browser page of the fake Slack. */
export function renderSandboxPage(): string {
  return '<!doctype html><title>Fleet sandbox</title>';
}
