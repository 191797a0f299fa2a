/**
 * When something happened, as people read it in a reply: "14:05 UTC" on the same UTC day as
 * `now`, otherwise "2026-11-30 14:05 UTC". Plain UTC everywhere, so the CLI, the sandbox page and
 * every Slack client show the same text.
 *
 * @example clockText(Date.UTC(2026, 11, 1, 14, 5), Date.UTC(2026, 11, 1, 15)) // '14:05 UTC'
 * @example clockText(Date.UTC(2026, 10, 30, 14, 5), Date.UTC(2026, 11, 1, 15)) // '2026-11-30 14:05 UTC'
 */
export function clockText(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}
