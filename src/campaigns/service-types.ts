import type { CampaignSpec } from '../domain/spec.js';
import type { CampaignRecord, GateRecord, TargetRecord } from '../store/store.js';
import type { CampaignState, TargetState } from '../domain/states.js';

/**
 * What the Slack surface (commands, buttons, modals) and the CLI ask of campaigns. Implemented by
 * `createCampaignService` in `service.ts`. Every method checks authorization itself, records an
 * event for what it did (or for a refused attempt), queues the notifications that follow in the
 * same transaction, and throws a FleetError with a sentence for a person when it refuses.
 */
export interface CampaignService {
  /** Dry run: the waves, a sample diff, the GitHub budget and a time estimate. Changes nothing. */
  preview(ref: SpecRef): Promise<CampaignPreview>;
  /**
   * Refuses (FleetError 'forbidden', recorded as auth.refused with action 'start') a person who is
   * neither an admin nor a launcher (FLEET_LAUNCHERS); resolves when they may start campaigns.
   */
  authorizeLaunch(actor: string): Promise<void>;
  /**
   * Checks the actor may launch and the spec's organisations are in FLEET_ORGS, then validates,
   * discovers targets, plans waves, stores the campaign (launched by the actor) and starts wave 0.
   * With `preview` (a Launch button's), refuses (FleetError 'conflict') a preview already
   * launched, older than ten minutes, or of a spec changed since (preview-stamp.ts).
   */
  start(ref: SpecRef, actor: string, preview?: PreviewStamp): Promise<CampaignRecord>;
  pause(campaignId: string, actor: string, reason?: string): Promise<CampaignRecord>;
  resume(campaignId: string, actor: string): Promise<CampaignRecord>;
  abort(campaignId: string, actor: string, reason?: string): Promise<CampaignRecord>;
  /** Decides the open gate of the campaign (or the one named). Two deciders at once: one wins. */
  approve(campaignId: string, actor: string, gateId?: number): Promise<GateRecord>;
  reject(campaignId: string, actor: string, gateId?: number): Promise<GateRecord>;
  retry(campaignId: string, repo: string, actor: string): Promise<TargetRecord>;
  skip(campaignId: string, repo: string, actor: string, reason?: string): Promise<TargetRecord>;
  /** Opens revert PRs for the merged targets of a wave (offered after a failure after merge). */
  revertWave(campaignId: string, wave: number, actor: string): Promise<number>;
  /** The global kill switch: no step runs anywhere while it is on. Admins only. */
  setFreeze(on: boolean, actor: string): Promise<void>;
  isFrozen(): boolean;
  /** The campaign in detail; `view` says which targets it lists (`targets`): those that need attention (default), failed, or all. */
  status(campaignId: string, view?: StatusView): CampaignStatus;
  list(): CampaignSummary[];
  /**
   * What waits for one person, for App Home: the open wave gates they may approve (the owner, the
   * approvers and their groups, admins; four eyes keeps a launcher from their own gates), the
   * targets that need a person in campaigns they may act on, and the campaigns they own.
   */
  waitingFor(user: string): Promise<WaitingFor>;
  /** The specs in the catalog (FLEET_CAMPAIGNS), for `/fleet start` with no argument. */
  catalog(): Promise<CatalogEntry[]>;
  /** One gate of the campaign with what it weighed, for its Details button; FleetError 'not_found' otherwise. Changes nothing. */
  gate(campaignId: string, gateId: number): GateRecord;
}

/** A spec named in the catalog, a spec given inline (from the modal), or a file path for the CLI. */
export type SpecRef = { catalog: string } | { spec: CampaignSpec; source: string };

/** The preview a Launch comes from: its id, when it was made, and the hash of the spec it showed. */
export interface PreviewStamp {
  id: string;
  at: number;
  /** hashSpec of the previewed spec; left out when the spec is rebuilt from a form at launch. */
  specHash?: string;
}

export interface CatalogEntry {
  name: string;
  title: string;
  changeKind: string;
  /** The spec's owner (a Slack user id); empty for a spec that cannot be used. */
  owner: string;
}

export interface PlannedWave {
  index: number;
  repos: string[];
}

export interface CampaignPreview {
  /** The preview's id, carried by its Launch button and recorded by the start it launches. */
  id: string;
  /** When the preview was made (epoch ms). */
  at: number;
  /** hashSpec(spec): a Launch of a catalog spec whose content changed since is refused. */
  specHash: string;
  spec: CampaignSpec;
  targets: number;
  /**
   * The repositories the targets select that planning left out before making waves, and why:
   * `targets.containing` found nothing in them, or the cheap check found they need no change.
   */
  dropped: { repo: string; reason: string }[];
  /** Set when GitHub's rate limit stopped the cheap check early (the repositories not checked are kept). */
  droppedStoppedBy?: string;
  /**
   * The targets the change was run on for the preview (plan-campaign.ts chooseSample: the first
   * wave and a few more, at most ten); all of them when the fleet is no larger.
   */
  sampled: string[];
  /** Of the sampled targets, those that need no change (no-op). */
  noChange: string[];
  /** Of the sampled targets, those the change fails on (e.g. a package.json that is not JSON). */
  failed: { repo: string; reason: string }[];
  waves: PlannedWave[];
  sampleRepo: string | null;
  sampleDiff: string;
  /** Each sampled target that needs the change, with its diff (run in a checkout where Fleet has workspaces). */
  diffs: { repo: string; diff: string }[];
  /** Why the sampling stopped early (GitHub's rate limit, the preview's time budget); absent when it ran on the whole sample. */
  stoppedBy?: string;
  github: { requests: number; contentRequests: number; remaining: number | null };
  estimate: { minutes: number; explanation: string };
}

export interface CampaignSummary {
  id: string;
  name: string;
  state: CampaignState;
  owner: string;
  channel: string;
  currentWave: number;
  waveCount: number;
  counts: Record<TargetState, number>;
  /** Work finished: succeeded, failed, reverted and skipped targets, not the ones an abort stopped. */
  done: number;
}

export interface CampaignStatus extends CampaignSummary {
  stateReason: string;
  /** Who started the campaign (the spec's owner is `owner`). */
  launchedBy: string;
  rootTs: string | null;
  spec: CampaignSpec;
  openGate: GateRecord | null;
  confidence: number | null;
  needsAttention: { repo: string; reason: string; prUrl: string | null }[];
  /** Which targets `targets` holds. */
  view: StatusView;
  /**
   * For `failed`: the targets that failed or need a person, worst first (failed before needing
   * attention, lowest score first, then by repository). For `all`: every target by wave and
   * repository. Empty for `attention` (see `needsAttention`).
   */
  targets: StatusTarget[];
}

export type StatusView = 'attention' | 'failed' | 'all';

export interface StatusTarget {
  repo: string;
  wave: number;
  state: TargetState;
  reason: string;
  prUrl: string | null;
}

/** An open wave gate a person may decide. */
export interface WaitingApproval {
  campaignId: string;
  name: string;
  channel: string;
  gateId: number;
  wave: number;
  waveCount: number;
  /** The confidence the gate asks at, 0–100. */
  confidence: number | null;
  expiresAt: number | null;
}

/** A target that needs a person, in a campaign the person may retry or skip targets of. */
export interface WaitingTarget {
  campaignId: string;
  name: string;
  channel: string;
  repo: string;
  reason: string;
  prUrl: string | null;
}

export interface WaitingFor {
  approvals: WaitingApproval[];
  targets: WaitingTarget[];
  /** The campaigns the person owns, unfinished ones first, newest first. */
  owned: CampaignSummary[];
}
