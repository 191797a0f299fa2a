import picomatch from 'picomatch';
import type { Step } from './types.js';
import type { ComplianceOptions } from '../domain/step-options.js';
import type { GitHubStepDeps, PrFile, Review } from '../github/gateway.js';
import { ownersOfPaths } from '../github/codeowners.js';
import { prOf, signal } from '../github/step-support.js';

export interface RuleResult {
  rule: string;
  pass: boolean;
  evidence: Record<string, unknown>;
}

export interface SecretFinding {
  path: string;
  /** The line number in the new file. */
  line: number;
  kind: string;
  /** The first characters only: the finding must not leak the secret into Slack or logs. */
  redacted: string;
}

const SECRET_PATTERNS: { kind: string; regex: RegExp }[] = [
  { kind: 'aws-access-key-id', regex: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/ },
  { kind: 'aws-secret-access-key', regex: /aws.{0,20}(?:secret|private).{0,20}['"=:\s]([A-Za-z0-9/+]{40})\b/i },
  { kind: 'private-key', regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'github-token', regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/ },
  { kind: 'slack-token', regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'slack-webhook', regex: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/ },
];

const ASSIGNMENT = /(?:secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)[\w.-]*["']?\s*[:=]\s*["']?([A-Za-z0-9+/=_\-.~]{16,})/i;
const PLACEHOLDER = /^(?:x+|\*+|changeme|example|placeholder|your[_-].*|<.*>|\$\{.*\}|process\.env.*|env\..*)$/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** The lines a unified diff adds, with their line numbers in the new file. */
export function addedLines(patch: string): { line: number; text: string }[] {
  const added: { line: number; text: string }[] = [];
  let line = 0;
  for (const raw of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (hunk) {
      line = Number(hunk[1]);
      continue;
    }
    if (raw.startsWith('+++') || raw.startsWith('---')) continue;
    if (raw.startsWith('+')) added.push({ line: line++, text: raw.slice(1) });
    else if (!raw.startsWith('-') && !raw.startsWith('\\')) line++;
  }
  return added;
}

/**
 * Secret-like strings in added lines: AWS keys, private key blocks, GitHub and Slack tokens, and
 * high-entropy values assigned to names like `token` or `password`.
 *
 * @example
 * findSecrets([{ path: '.env', patch: '@@ -0,0 +1 @@\n+AWS_KEY=AKIAIOSFODNN7EXAMPLE' }]) // [{ kind: 'aws-access-key-id', line: 1, ... }]
 */
export function findSecrets(files: readonly { path: string; patch: string | null }[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    for (const { line, text } of addedLines(file.patch ?? '')) {
      const known = SECRET_PATTERNS.find((p) => p.regex.test(text));
      if (known) {
        const match = known.regex.exec(text)![0];
        findings.push({ path: file.path, line, kind: known.kind, redacted: `${match.slice(0, 4)}…` });
        continue;
      }
      const assigned = ASSIGNMENT.exec(text)?.[1];
      // Random secrets mix letters and digits and score above ~3.5 bits per character; words,
      // kebab-case names, versions and paths do not do both.
      if (assigned && !PLACEHOLDER.test(assigned) && /\d/.test(assigned) && /[A-Za-z]/.test(assigned) && shannonEntropy(assigned) >= 3.5) {
        findings.push({ path: file.path, line, kind: 'high-entropy-assignment', redacted: `${assigned.slice(0, 4)}…` });
      }
    }
  }
  return findings;
}

/** Approvals that stand: each reviewer's latest decisive review. */
export function countApprovals(reviews: readonly Review[]): number {
  const latest = new Map<string, string>();
  for (const r of reviews) {
    if (!r.user || (r.state !== 'APPROVED' && r.state !== 'CHANGES_REQUESTED' && r.state !== 'DISMISSED')) continue;
    latest.set(r.user, r.state);
  }
  return [...latest.values()].filter((s) => s === 'APPROVED').length;
}

/** Runs the pure rules over what was read from GitHub. */
export function evaluateRules(input: {
  options: ComplianceOptions;
  files: readonly PrFile[];
  codeowners: { path: string; errors: { line: number; message: string }[]; owners: string[]; unowned: string[] } | undefined;
  approvals: number;
  requiredApprovals: number;
  labels: readonly string[];
}): RuleResult[] {
  const { options, files } = input;
  const paths = files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
  return options.rules.map((rule): RuleResult => {
    switch (rule) {
      case 'codeowners': {
        const c = input.codeowners;
        if (!c) return { rule, pass: false, evidence: { problem: 'no CODEOWNERS file in .github/, the root or docs/' } };
        return { rule, pass: c.errors.length === 0, evidence: { path: c.path, errors: c.errors, owners: c.owners, unowned: c.unowned } };
      }
      case 'required-reviews':
        return { rule, pass: input.approvals >= input.requiredApprovals, evidence: { approvals: input.approvals, required: input.requiredApprovals } };
      case 'allowed-paths': {
        const allowed = picomatch(options.allowedPaths, { dot: true });
        const outside = paths.filter((p) => !allowed(p));
        return { rule, pass: outside.length === 0, evidence: { allowed: options.allowedPaths, outside } };
      }
      case 'diff-size': {
        const lines = files.reduce((n, f) => n + f.additions + f.deletions, 0);
        return { rule, pass: lines <= options.maxChangedLines, evidence: { lines, max: options.maxChangedLines } };
      }
      case 'no-secrets': {
        const findings = findSecrets(files);
        return { rule, pass: findings.length === 0, evidence: { findings } };
      }
      case 'required-labels': {
        const missing = options.requiredLabels.filter((l) => !input.labels.includes(l));
        return { rule, pass: missing.length === 0, evidence: { required: options.requiredLabels, missing } };
      }
    }
  });
}

/**
 * compliance: checks the PR against the campaign's rules (CODEOWNERS present and valid, required
 * reviews, allowed paths, diff size, no secrets added, required labels). Each rule reports
 * `{ rule, pass, evidence }`; any failure asks a person, with the evidence. Reads only.
 *
 * @example
 * await complianceStep.run(ctx); // { kind: 'done', patch: { signals: { compliance: { value: 1, evidence } } } }
 */
export const complianceStep: Step<ComplianceOptions, GitHubStepDeps> = {
  kind: 'compliance',
  async run(ctx) {
    const { github } = ctx.deps;
    const { target, options } = ctx;
    const repo = target.repo;
    const known = prOf(target);
    if (!known) return { kind: 'failed', reason: 'compliance needs the PR that open-pr opens; put open-pr before it in the steps.', retryable: false };
    const pr = await github.getPr(repo, known.number);
    if (!pr) return { kind: 'needs-human', reason: `PR #${known.number} in ${repo} is gone; retry to open it again, or skip the target.` };
    const files = await github.listPrFiles(repo, pr.number);
    const rules = new Set(options.rules);
    const paths = files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
    let codeowners: Parameters<typeof evaluateRules>[0]['codeowners'];
    if (rules.has('codeowners')) {
      // Read at the PR head: a change that edits CODEOWNERS is judged by the file it leaves behind.
      const found = await github.readCodeowners(repo, pr.headSha);
      if (found) codeowners = { path: found.path, errors: found.codeowners.errors, ...ownersOfPaths(found.codeowners, paths) };
    }
    let approvals = 0;
    let requiredApprovals = options.requiredApprovals;
    if (rules.has('required-reviews')) {
      approvals = countApprovals(await github.getReviews(repo, pr.number));
      requiredApprovals = Math.max(requiredApprovals, (await github.getBranchRules(repo, pr.baseRef)).reviews?.count ?? 0);
    }
    const results = evaluateRules({ options, files, codeowners, approvals, requiredApprovals, labels: pr.labels });
    const failed = results.filter((r) => !r.pass);
    const evidence = { results, headSha: pr.headSha };
    const value = results.length === 0 ? 1 : (results.length - failed.length) / results.length;
    if (failed.length > 0) {
      return {
        kind: 'needs-human',
        reason: `PR #${pr.number} in ${repo} fails ${failed.map((r) => r.rule).join(', ')}; fix the PR, then retry, or skip the target.`,
        data: evidence,
        patch: { signals: { compliance: signal(value, { ...evidence, violations: failed.map((r) => r.rule) }) } },
        events: [{ kind: 'compliance.failed', data: evidence }],
      };
    }
    return { kind: 'done', data: evidence, patch: { signals: { compliance: signal(1, evidence) } }, events: [{ kind: 'compliance.passed', data: evidence }] };
  },
};
