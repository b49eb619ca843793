// The shapes of promptls's `workspace/executeCommand` answers (editors/PROTOCOL.md).

export type LineKind = "heading" | "chosen" | "overridden" | "note" | "fact" | "error";

export interface ResolveResult {
  uri: string;
  dialect: string;
  name: string;
  model: string | null;
  problem: string | null;
  fallback: string[];
  statusText: string;
  /** The estimate for one run, ready to show: `$0.0045`, `$0 (free)`, `price unknown`; null without a model. */
  costText?: string | null;
  lines: { kind: LineKind; text: string }[];
  inputs: { variables: string[]; text: boolean };
  resolution?: unknown;
}

export interface RunProgress {
  runId: string;
  kind: "status" | "text";
  text: string;
}

export interface RunResult {
  runId: string;
  outcome: "ok" | "partial" | "failed";
  model: string | null;
  requestedModel?: string | null;
  fellBack?: boolean;
  text?: string;
  attempts?: { model: string; error?: string | null; latencyMs?: number }[];
  usage?: { input_tokens?: number | null; output_tokens?: number | null; source?: string } | null;
  costUsd?: number | null;
  /** What the run cost, ready to show (`$0.000006`, `$0 (free)`, `price unknown`); null when nothing answered. */
  costText?: string | null;
  message?: string;
}

export interface ModelItem {
  label: string;
  detail?: string;
  documentation?: string;
}

export interface PinResult {
  applied: boolean;
  title?: string;
  path?: string;
}

export interface KeyProvider {
  provider: string;
  needsKey: boolean;
  source: string | null;
}

export interface SetKeyResult {
  provider: string;
  stored: boolean;
  message?: string;
}

export interface HealthResult {
  version: string;
  executable?: string;
  python?: string;
  keyring?: { ok: boolean; backend?: string; message?: string };
  ledger?: string;
  catalog?: { models?: number; generated?: string };
}

export const COMMANDS = {
  resolve: "promptls.resolve",
  run: "promptls.run",
  models: "promptls.models",
  pinModel: "promptls.pinModel",
  setKey: "promptls.setKey",
  keys: "promptls.keys",
  health: "promptls.health",
} as const;

export const RUN_PROGRESS = "promptls/runProgress";
