// The commands a user runs: Run Prompt, Set Model for This Prompt, Set API Key, Show Resolution.

import * as vscode from "vscode";
import {
  COMMANDS,
  type KeyProvider,
  type ModelItem,
  type PinResult,
  type ResolveResult,
  type RunProgress,
  type RunResult,
  type SetKeyResult,
} from "./protocol";
import type { PromptlsServer } from "./server";
import { isPromptDocument, type ModelStatus } from "./status";

export class Commands implements vscode.Disposable {
  readonly runOutput = vscode.window.createOutputChannel("promptls: Run");
  readonly resolutionOutput = vscode.window.createOutputChannel("promptls: Resolution");
  private runs = 0;
  /** Template values typed before, per prompt and variable, offered again. */
  private readonly remembered = new Map<string, string>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly server: PromptlsServer,
    private readonly status: ModelStatus,
  ) {
    this.disposables = [
      this.runOutput,
      this.resolutionOutput,
      vscode.commands.registerCommand("promptls.runPrompt", (uri?: vscode.Uri) => this.guard(() => this.run(uri))),
      vscode.commands.registerCommand("promptls.setModelForPrompt", (uri?: vscode.Uri) =>
        this.guard(() => this.setModel(uri)),
      ),
      vscode.commands.registerCommand("promptls.setApiKey", () => this.guard(() => this.setKey())),
      vscode.commands.registerCommand("promptls.showResolution", (uri?: vscode.Uri) =>
        this.guard(() => this.showResolution(uri)),
      ),
      vscode.commands.registerCommand("promptls.restartServer", () =>
        this.guard(async () => {
          await server.restart();
          if (server.state === "running") {
            vscode.window.setStatusBarMessage(`promptls: server ${server.version ?? ""} restarted`, 4000);
          }
        }),
      ),
    ];
  }

  /** Show a failure's message as it is (the server's messages say how to fix what is wrong). */
  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(message.startsWith("promptls") ? message : `promptls: ${message}`);
    }
  }

  /** The prompt a command acts on: its argument (editor title button, explorer) or the active editor. */
  private async target(uri?: vscode.Uri): Promise<vscode.TextDocument> {
    const document =
      uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document) throw new Error("promptls: open a prompt file first.");
    if (!isPromptDocument(this.server, document)) {
      throw new Error(
        `promptls: ${this.server.workspaceRelative(document.uri)} is not a prompt file promptls checks ` +
          "(add a pattern to promptls.extraGlobs for other files).",
      );
    }
    return document;
  }

  private async resolve(document: vscode.TextDocument): Promise<ResolveResult> {
    const result = await this.server.command<ResolveResult | null>(COMMANDS.resolve, { uri: document.uri.toString() });
    if (!result) {
      throw new Error(`promptls: ${this.server.workspaceRelative(document.uri)} is not a prompt file.`);
    }
    return result;
  }

  // ---- Run Prompt ----------------------------------------------------------------------------

  private async run(uri?: vscode.Uri): Promise<void> {
    const document = await this.target(uri);
    const resolved = await this.resolve(document);
    const key = document.uri.toString();

    const variables: Record<string, string> = {};
    for (const name of resolved.inputs?.variables ?? []) {
      const value = await vscode.window.showInputBox({
        title: `Run ${resolved.name}: {{${name}}}`,
        prompt: `Value for \`${name}\``,
        value: this.remembered.get(`${key}#${name}`) ?? "",
        ignoreFocusOut: true,
      });
      if (value === undefined) return; // cancelled
      variables[name] = value;
      this.remembered.set(`${key}#${name}`, value);
    }
    let input: string | undefined;
    if (resolved.inputs?.text) {
      input = await vscode.window.showInputBox({
        title: `Run ${resolved.name}`,
        prompt: resolved.dialect.startsWith("claude-command")
          ? "Arguments ($ARGUMENTS)"
          : "Input for the prompt (the task, or the text it works on)",
        value: this.remembered.get(`${key}#`) ?? "",
        ignoreFocusOut: true,
      });
      if (input === undefined) return;
      this.remembered.set(`${key}#`, input);
    }

    const runId = `vscode-${process.pid}-${++this.runs}`;
    const out = this.runOutput;
    out.clear();
    out.show(true);
    out.appendLine(`▶ ${this.server.workspaceRelative(document.uri)}  (${resolved.statusText})`);
    let atLineStart = true;
    let streamed = "";
    const listener = this.server.listenToRun(runId, (progress: RunProgress) => {
      if (progress.kind === "text") {
        out.append(progress.text);
        streamed += progress.text;
        atLineStart = progress.text.endsWith("\n");
      } else {
        if (!atLineStart) out.appendLine("");
        out.appendLine(`[promptls] ${progress.text}`);
        atLineStart = true;
      }
    });

    const args: Record<string, unknown> = { uri: key, runId };
    if (Object.keys(variables).length) args.variables = variables;
    if (input !== undefined && input !== "") args.input = input;

    let result: RunResult;
    try {
      result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `promptls: running ${resolved.name} on ${resolved.model ?? "its model"}…`,
          cancellable: true,
        },
        (_progress, token) => this.server.command<RunResult>(COMMANDS.run, args, token),
      );
    } catch (err) {
      if (!atLineStart) out.appendLine("");
      out.appendLine(`[promptls] ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    } finally {
      listener.dispose();
    }

    if (!streamed && result.text) {
      out.append(result.text);
      atLineStart = result.text.endsWith("\n");
    }
    if (!atLineStart) out.appendLine("");
    const summary = runSummary(result);
    out.appendLine(`── ${[summary, ...usageFacts(result)].join(" · ")}`);
    const show = "Show Output";
    const notify =
      result.outcome === "ok"
        ? vscode.window.showInformationMessage
        : result.outcome === "partial"
          ? vscode.window.showWarningMessage
          : vscode.window.showErrorMessage;
    void notify(`promptls: ${summary}`, show).then((choice) => {
      if (choice === show) out.show(true);
    });
  }

  // ---- Set Model for This Prompt -------------------------------------------------------------

  private async setModel(uri?: vscode.Uri): Promise<void> {
    const document = await this.target(uri);
    const [models, resolved] = await Promise.all([
      this.server.command<{ items: ModelItem[] }>(COMMANDS.models, { uri: document.uri.toString() }),
      this.resolve(document).catch(() => undefined),
    ]);
    const picks: vscode.QuickPickItem[] = (models?.items ?? []).map((m) => ({
      label: m.label,
      description: m.label === resolved?.model ? "(current)" : undefined,
      detail: m.detail,
    }));
    if (!picks.length) throw new Error("promptls: the server offered no models.");
    const pick = await vscode.window.showQuickPick(picks, {
      title: `Model for ${resolved?.name ?? this.server.workspaceRelative(document.uri)}`,
      placeHolder: "Pin a model for this prompt in promptls.toml",
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!pick) return;
    const dirtyBefore = new Set(vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.fsPath));
    const pinned = await this.server.command<PinResult>(COMMANDS.pinModel, {
      uri: document.uri.toString(),
      model: pick.label,
    });
    // The edit arrives through workspace/applyEdit; save the settings file it touched, unless it
    // held unsaved changes of the user's before.
    if (pinned?.applied && pinned.path && !dirtyBefore.has(pinned.path)) {
      const settings = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === pinned.path);
      if (settings?.isDirty) await settings.save();
    }
    this.status.schedule(300);
    if (!pinned?.applied) {
      void vscode.window.showWarningMessage(`promptls: ${pinned?.title ?? "the model was not pinned"}.`);
      return;
    }
    const open = "Open promptls.toml";
    const choice = await vscode.window.showInformationMessage(
      `promptls: ${pinned.title ?? `pinned ${pick.label}`}`,
      ...(pinned.path ? [open] : []),
    );
    if (choice === open && pinned.path) {
      await vscode.window.showTextDocument(vscode.Uri.file(pinned.path), { preview: true });
    }
  }

  // ---- Set API Key ---------------------------------------------------------------------------

  private async setKey(): Promise<void> {
    const { providers } = await this.server.command<{ providers: KeyProvider[] }>(COMMANDS.keys, {});
    const picks = (providers ?? [])
      .filter((p) => p.needsKey)
      .map((p) => ({
        label: p.provider,
        description: p.source ? `set (${p.source})` : "not set",
      }));
    if (!picks.length) throw new Error("promptls: no provider needs a key.");
    const pick = await vscode.window.showQuickPick(picks, {
      title: "promptls: Set API Key",
      placeHolder: "The provider whose key to store in the OS keyring",
    });
    if (!pick) return;
    const key = await vscode.window.showInputBox({
      title: `API key for ${pick.label}`,
      prompt: "Stored in your OS keyring, as `promptls keys set` does. It is never logged.",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : "Enter the key"),
    });
    if (!key?.trim()) return;
    // The one request that carries a secret: no message trace while it is on the wire.
    const stored = await this.server.untraced(() =>
      this.server.command<SetKeyResult>(COMMANDS.setKey, { provider: pick.label, key: key.trim() }),
    );
    void vscode.window.showInformationMessage(
      `promptls: ${stored?.message ?? `stored the ${pick.label} key in the OS keyring`}`,
    );
  }

  // ---- Show Resolution -----------------------------------------------------------------------

  private async showResolution(uri?: vscode.Uri): Promise<void> {
    const document = await this.target(uri);
    const resolved = await this.resolve(document);
    const out = this.resolutionOutput;
    out.clear();
    out.appendLine(`${this.server.workspaceRelative(document.uri)}  (${resolved.dialect} "${resolved.name}")`);
    for (const line of resolved.lines ?? []) {
      const step = line.kind === "chosen" || line.kind === "overridden" || line.kind === "note";
      out.appendLine(step ? `  ${line.text}` : line.text);
    }
    if (!resolved.lines?.length) out.appendLine(`model: ${resolved.statusText}`);
    out.show(true);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function runSummary(result: RunResult): string {
  if (result.message) return result.message;
  if (result.outcome === "failed") return "every model failed";
  const from =
    result.fellBack && result.requestedModel ? ` after falling back from ${result.requestedModel}` : "";
  return `${result.outcome === "partial" ? "broke off on" : "answered by"} ${result.model}${from}`;
}

/** Tokens and cost of a run, when the server knows them. */
export function usageFacts(result: RunResult): string[] {
  const facts: string[] = [];
  const u = result.usage;
  if (u && (u.input_tokens != null || u.output_tokens != null)) {
    facts.push(`${u.input_tokens ?? "?"} in / ${u.output_tokens ?? "?"} out tokens`);
  }
  if (result.costText) facts.push(result.costText); // formatted by the server, as the shell formats it
  return facts;
}
