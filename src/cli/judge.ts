import { judgeCanary, JudgeInput } from '../confidence/judge.js';
import { describeError } from '../errors.js';

export interface JudgeIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
}

/** Exit codes of `fleet judge`. */
export const JUDGE_EXIT = {
  /** The canary was judged; the verdict is in the output. */
  judged: 0,
  /** `--check` was given and the verdict is 'fail'. */
  failed: 1,
  /** Bad usage, an unreadable file, or input that is not valid. */
  badInput: 2,
} as const;

const USAGE = `Usage: fleet judge [--check] <file.json>

Judges a canary against its baseline and prints the result as JSON: per metric its
classification (Pass, High, Low, NoData), the reason and the statistics behind it
(Mann-Whitney U, p-value, Hodges-Lehmann estimate and 98% interval, counts, medians),
then the group scores, the summary score and the verdict (pass, marginal, fail).

Input:
  {"metrics": [{"name": "latency", "group": "latency", "direction": "increase",
                "critical": false, "canary": [1.2, 1.3], "baseline": [1.1, 1.2]}],
   "thresholds": {"pass": 95, "marginal": 75}}
  Optional per metric: kind ("count" | "rate" | "ratio" | "gauge" | "latency"), effectSize (0.1),
  criticalEffectSize (effectSize), mustHaveData (false), nanStrategy ("remove" | "replace"),
  outliers ("keep" | "remove"). Optional: groupWeights {"latency": 60, "errors": 40}, and
  mode "reference" to judge as Kayenta's NetflixACAJudge does.
  Missing points may be written as null.

Exit codes: 0 judged, 1 verdict "fail" with --check, 2 bad usage or input.
`;

/**
 * `fleet judge <file.json>`: judges the canary described in the file and prints the result.
 *
 * @example
 * const code = await runJudgeCommand(['canary.json'], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), readFile: (p) => readFile(p, 'utf8') });
 */
export async function runJudgeCommand(args: string[], io: JudgeIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return JUDGE_EXIT.judged;
  }
  const check = args.includes('--check');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--check');
  const files = args.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || files.length !== 1) {
    io.stderr(`${unknown.length > 0 ? `Unknown option ${unknown[0]}.` : 'Give exactly one input file.'}\n\n${USAGE}`);
    return JUDGE_EXIT.badInput;
  }
  const file = files[0];

  let text: string;
  try {
    text = await io.readFile(file);
  } catch (error) {
    io.stderr(`Cannot read ${file}: ${describeError(error)} Check the path and try again.\n`);
    return JUDGE_EXIT.badInput;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    io.stderr(`${file} is not JSON (${error instanceof Error ? error.message : String(error)}). Run "fleet judge --help" for the expected shape.\n`);
    return JUDGE_EXIT.badInput;
  }
  const parsed = JudgeInput.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    io.stderr(`${file} is not a valid canary judgement input:\n${lines.join('\n')}\nFix these fields; run "fleet judge --help" for the expected shape.\n`);
    return JUDGE_EXIT.badInput;
  }

  const result = judgeCanary(parsed.data);
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  return check && result.verdict === 'fail' ? JUDGE_EXIT.failed : JUDGE_EXIT.judged;
}
