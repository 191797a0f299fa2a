import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, explainChromiumMissing } from '../../support/chromium.js';
import { situationSpec, startSituation, USERS, type Situation } from './harness.js';

/**
 * A bad version typed in the `/fleet start` modal, as a person meets it on the page: the short
 * form of a dependency bump marks its required fields (only the optional ones say so, once), a
 * version npm cannot read is refused on the version field with a sentence, what the person typed
 * stays in place, and nothing is previewed or started.
 */
explainChromiumMissing('situations: a bad modal version');

describe.runIf(chromiumAvailable)('a bad modal version', () => {
  let s: Situation;

  beforeAll(async () => {
    s = await startSituation({ repos: 6 });
    // A catalog of one, so the modal opens on the catalog choice with its "instead" button.
    s.writeSpec(situationSpec({ name: 'catalog-bump' }));
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  test('"banana" is refused on the version field, the typed values stay, and nothing starts', async () => {
    const messagesBefore = s.slack.messages('C0FLEET001').length;
    await s.command('start', USERS.owner);
    const modal = s.page.locator('[data-testid=modal]');
    await modal.getByText('A spec from the catalog').waitFor({ timeout: 10_000 });
    await s.clickButton('Bump an npm dependency instead', 'Bump an npm dependency instead', USERS.owner);
    await modal.getByText('Bump an npm dependency across an organisation').waitFor({ timeout: 10_000 });

    // Required fields carry no "(optional)"; the optional ones say it once.
    const label = async (field: string) => (await modal.locator(`.input-block[data-block-id=${field}] label`).innerText()).trim();
    expect(await label('package')).toBe('npm package');
    expect(await label('version')).toBe('Version');
    expect(await label('org')).toBe('GitHub organisation');
    expect(await label('topic')).toBe('Repository topic (optional)');
    expect(await label('name')).toBe('Campaign name (optional)');
    expect(await modal.innerText()).not.toMatch(/\(optional\)\s*\(optional\)/i);

    await s.page.fill('#input-package', 'lodash');
    await s.page.fill('#input-version', 'banana');
    await s.page.fill('#input-org', 'acme');
    await s.page.fill('#input-topic', 'node');
    const submitted = s.page.waitForResponse((r) => r.url().endsWith('/_page/submit'), { timeout: 30_000 });
    await s.page.click('#modal-submit');
    await submitted;

    const error = modal.locator('.input-block[data-block-id=version] .field-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.innerText()).toBe('"banana" is not a version or range npm understands, such as "4.17.21", "^4.17.21" or ">=4 <5".');
    // The one field at fault is the only one marked.
    expect(await modal.locator('.field-error').count()).toBe(1);
    // What the person typed is still there, the bad version included, to be corrected.
    expect(await s.page.inputValue('#input-package')).toBe('lodash');
    expect(await s.page.inputValue('#input-version')).toBe('banana');
    expect(await s.page.inputValue('#input-org')).toBe('acme');
    expect(await s.page.inputValue('#input-topic')).toBe('node');
    // Still open on the form: no preview, no campaign, nothing posted.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await modal.isVisible()).toBe(true);
    expect(await modal.getByText('Bump an npm dependency across an organisation').isVisible()).toBe(true);
    expect(s.fleet.service.list()).toEqual([]);
    expect(s.slack.messages('C0FLEET001').length).toBe(messagesBefore);
    expect(await s.page.locator('button.btn', { hasText: 'Launch' }).count()).toBe(0);
    expect(await s.page.locator('body').innerText()).not.toMatch(/Dry run/i);

    // Corrected in place, the same form previews: the checks above would have seen a preview.
    await s.page.fill('#input-version', '^4.17.21');
    await s.page.click('#modal-submit');
    const dryRun = await s.waitForText(/Dry run of bump-lodash[^\n]*Nothing has been changed\./);
    expect(dryRun).toBeTruthy();
    expect(await s.page.locator('button.btn', { hasText: 'Launch' }).count()).toBeGreaterThan(0);
    expect(s.fleet.service.list()).toEqual([]);
  }, 60_000);
});
