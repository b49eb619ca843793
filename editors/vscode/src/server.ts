// The language client: starts `promptls serve`, checks it is there and new enough, restarts it when
// it crashes (a few times), and sends promptls's `workspace/executeCommand` requests.

import * as path from "node:path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  Trace,
} from "vscode-languageclient/node";
import { RUN_PROGRESS, type RunProgress } from "./protocol";
import { documentSelector, type Filter } from "./selector";
import { MIN_VERSION, olderThan, probe, type Probe } from "./version";

const INSTALL_HINT = "Install it with `pipx install promptls` or set promptls.path.";
const UPGRADE_HINT = "Upgrade it with `pipx upgrade promptls` or set promptls.path.";
const OPEN_SETTINGS = "Open Settings";
const SHOW_OUTPUT = "Show Output";
const RESTART = "Restart Server";

/** Restarts allowed within RESTART_WINDOW_MS before the server is left stopped. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

export interface Settings {
  command: string;
  args: string[];
  extraGlobs: string[];
  select: string[];
  ignore: string[];
  diagnosticsDelay: number;
  trace: string;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration("promptls");
  const strings = (key: string, fallback: string[]): string[] => {
    const v = c.get<unknown>(key);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : fallback;
  };
  return {
    command: (c.get<string>("path") || "promptls").trim() || "promptls",
    args: strings("args", ["serve"]),
    extraGlobs: strings("extraGlobs", []),
    select: strings("select", []),
    ignore: strings("ignore", []),
    diagnosticsDelay: c.get<number>("diagnosticsDelay", 0.05),
    trace: c.get<string>("trace.server", "off"),
  };
}

/** Settings whose change needs a new server process (the rest reach it as configuration). */
export const RESTART_SETTINGS = ["promptls.path", "promptls.args", "promptls.extraGlobs"];

export type ServerState = "stopped" | "starting" | "running" | "unavailable";

class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(private readonly server: PromptlsServer) {}

  error(_error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    // A few read/write errors in a row are survivable; more mean the pipe is gone.
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length < MAX_RESTARTS) {
      this.restarts.push(now);
      return {
        action: CloseAction.Restart,
        message: `promptls: the language server stopped unexpectedly; restarting it (${this.restarts.length}/${MAX_RESTARTS}).`,
        handled: true,
      };
    }
    void this.server.crashedTooOften(this.restarts.length);
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

export class PromptlsServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  state: ServerState = "stopped";
  /** Why the server is unavailable, for the status bar's tooltip. */
  problem: string | undefined;
  version: string | undefined;
  selector: Filter[] = documentSelector(readSettings().extraGlobs);

  readonly output = vscode.window.createOutputChannel("promptls", { log: true });
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly runListeners = new Map<string, (progress: RunProgress) => void>();
  private pending: Promise<void> | undefined;
  private clientDisposables: vscode.Disposable[] = [];

  matches(document: vscode.TextDocument): boolean {
    return vscode.languages.match(this.selector, document) > 0;
  }

  private setState(state: ServerState, problem?: string): void {
    this.state = state;
    this.problem = problem;
    this.stateEmitter.fire(state);
  }

  /** Start once; concurrent callers share the same start. */
  start(): Promise<void> {
    if (this.client && this.state === "running") return Promise.resolve();
    this.pending ??= this.doStart().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    if (client) {
      try {
        if (client.state !== State.Stopped) await client.stop(5_000);
      } catch (err) {
        this.output.appendLine(`promptls: stopping the server: ${String(err)}`);
      }
      try {
        await client.dispose(1_000);
      } catch {
        // already stopped
      }
    }
    this.setState("stopped");
  }

  private async doStart(): Promise<void> {
    const settings = readSettings();
    this.selector = documentSelector(settings.extraGlobs);
    this.setState("starting");
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

    const probed: Probe = await probe(settings.command, settings.args, cwd);
    if (!probed.ok) {
      this.unavailable(probed.kind, probed.detail, probed.version);
      return;
    }

    const serverOptions: ServerOptions = {
      command: settings.command,
      args: settings.args,
      options: { cwd, env: process.env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: this.selector,
      outputChannel: this.output,
      synchronize: { configurationSection: "promptls" },
      initializationOptions: {
        select: settings.select,
        ignore: settings.ignore,
        diagnosticsDelay: settings.diagnosticsDelay,
      },
      errorHandler: new RestartingErrorHandler(this),
      initializationFailedHandler: (error) => {
        this.output.appendLine(`promptls: initialize failed: ${String(error)}`);
        return false;
      },
      markdown: { isTrusted: false, supportHtml: false },
    };
    const client = new LanguageClient("promptls", "promptls", serverOptions, clientOptions);
    this.client = client;
    this.clientDisposables.push(
      client.onNotification(RUN_PROGRESS, (params: RunProgress) => {
        if (params && typeof params.runId === "string") this.runListeners.get(params.runId)?.(params);
      }),
      client.onDidChangeState((e) => {
        if (this.client !== client) return;
        if (e.newState === State.Running) this.setState("running");
        else if (e.newState === State.Starting) this.setState("starting");
        else if (this.state !== "unavailable") this.setState("stopped", this.problem);
      }),
    );
    try {
      await client.start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.client === client) this.client = undefined;
      for (const d of this.clientDisposables.splice(0)) d.dispose();
      const missing = /ENOENT|not found|spawn/i.test(message);
      this.unavailable(missing ? "missing" : "broken", message);
      return;
    }
    const info = client.initializeResult?.serverInfo;
    this.version = info?.version ?? (probed.ok ? probed.version : undefined);
    if (info?.version && olderThan(info.version)) {
      // Still useful for diagnostics; the commands may be missing.
      void this.tellUser("old", `promptls ${info.version} is older than ${MIN_VERSION}`);
    }
    this.setState("running");
  }

  private unavailable(kind: "missing" | "old" | "broken", detail: string, version?: string): void {
    this.version = version;
    this.setState("unavailable", detail);
    void this.tellUser(kind, detail);
  }

  private async tellUser(kind: "missing" | "old" | "broken", detail: string): Promise<void> {
    const settings = readSettings();
    const what = [settings.command, ...settings.args].join(" ");
    const text =
      kind === "missing"
        ? `promptls: the language server could not start (${detail}). ${INSTALL_HINT}`
        : kind === "old"
          ? `promptls: ${detail}; this extension needs ${MIN_VERSION} or newer. ${UPGRADE_HINT}`
          : `promptls: \`${what}\` did not start (${detail}). ${INSTALL_HINT}`;
    this.output.appendLine(text);
    const choice = await vscode.window.showErrorMessage(text, OPEN_SETTINGS, SHOW_OUTPUT);
    if (choice === OPEN_SETTINGS) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "promptls.path");
    } else if (choice === SHOW_OUTPUT) {
      this.output.show(true);
    }
  }

  async crashedTooOften(times: number): Promise<void> {
    const text =
      `promptls: the language server stopped ${times + 1} times within 3 minutes and was not restarted. ` +
      `Its log is in the "promptls" output.`;
    this.setState("unavailable", "the language server crashed repeatedly");
    const choice = await vscode.window.showErrorMessage(text, RESTART, SHOW_OUTPUT);
    if (choice === RESTART) await this.restart();
    else if (choice === SHOW_OUTPUT) this.output.show(true);
  }

  /** The running client, starting it if needed; an Error with a message for the user otherwise. */
  async ready(): Promise<LanguageClient> {
    await this.start();
    if (!this.client || this.state !== "running") {
      throw new Error(
        `promptls: the language server is not running${this.problem ? ` (${this.problem})` : ""}. ${INSTALL_HINT}`,
      );
    }
    return this.client;
  }

  /** `workspace/executeCommand` with promptls's one-object argument. */
  async command<T>(name: string, argument: object, token?: vscode.CancellationToken): Promise<T> {
    const client = await this.ready();
    const offered = client.initializeResult?.capabilities.executeCommandProvider?.commands;
    if (offered && !offered.includes(name)) {
      const which = this.version ? `promptls ${this.version}` : "This promptls";
      throw new Error(
        `${which} does not answer \`${name}\`; this extension needs promptls ${MIN_VERSION} or newer. ${UPGRADE_HINT}`,
      );
    }
    return (await client.sendRequest(
      ExecuteCommandRequest.type,
      { command: name, arguments: [argument] },
      token,
    )) as T;
  }

  /** Run `fn` with the client's message trace off: for the one request that carries a secret. */
  async untraced<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.ready();
    const traced = (): Trace => {
      // what the language client itself sets: messages are traced only into a channel at Trace level
      if (client.traceOutputChannel.logLevel !== vscode.LogLevel.Trace) return Trace.Off;
      const configured = Trace.fromString(readSettings().trace);
      return configured === Trace.Off ? Trace.Messages : configured;
    };
    await client.setTrace(Trace.Off);
    try {
      return await fn();
    } finally {
      if (this.client === client && client.state === State.Running) await client.setTrace(traced());
    }
  }

  listenToRun(runId: string, listener: (progress: RunProgress) => void): vscode.Disposable {
    this.runListeners.set(runId, listener);
    return new vscode.Disposable(() => this.runListeners.delete(runId));
  }

  workspaceRelative(uri: vscode.Uri): string {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
  }

  dispose(): void {
    void this.stop();
    this.output.dispose();
    this.stateEmitter.dispose();
  }
}
