// The status bar item: the model the active prompt resolves to (`promptls.resolve`'s statusText).

import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS, type ResolveResult } from "./protocol";
import type { PromptlsServer } from "./server";

const SETTINGS_FILES = new Set(["promptls.toml", "promptls.local.toml", "pyproject.toml"]);

export function isPromptDocument(server: PromptlsServer, document: vscode.TextDocument | undefined): boolean {
  if (!document || document.uri.scheme !== "file") return false;
  return server.matches(document) && !SETTINGS_FILES.has(path.basename(document.uri.fsPath));
}

export class ModelStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("promptls.model", vscode.StatusBarAlignment.Right, 100);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last resolution shown, for "Show Resolution" on a click. */
  last: ResolveResult | undefined;

  constructor(private readonly server: PromptlsServer) {
    this.item.name = "promptls model";
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d === vscode.window.activeTextEditor?.document || SETTINGS_FILES.has(path.basename(d.uri.fsPath))) {
          this.schedule();
        }
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) this.schedule();
      }),
      server.onDidChangeState(() => this.schedule(0)),
    );
    this.schedule(0);
  }

  schedule(delay = 150): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, delay);
  }

  async update(): Promise<void> {
    const seq = ++this.seq;
    const document = vscode.window.activeTextEditor?.document;
    const isPrompt = isPromptDocument(this.server, document);
    await vscode.commands.executeCommand("setContext", "promptls.isPrompt", isPrompt);
    if (!isPrompt || !document) {
      this.last = undefined;
      this.item.hide();
      return;
    }
    if (this.server.state === "unavailable") {
      this.item.text = "$(error) promptls";
      this.item.tooltip = `promptls is not running: ${this.server.problem ?? "unknown error"}. Click to open the settings.`;
      this.item.command = { title: "Open Settings", command: "workbench.action.openSettings", arguments: ["promptls.path"] };
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
      this.item.accessibilityInformation = { label: "promptls is not running" };
      this.item.show();
      return;
    }
    if (this.server.state !== "running") return; // keep what is shown until the server is up
    let result: ResolveResult | null;
    try {
      result = await this.server.command<ResolveResult | null>(COMMANDS.resolve, { uri: document.uri.toString() });
    } catch (err) {
      if (seq !== this.seq) return;
      this.server.output.appendLine(`promptls: resolve failed: ${err instanceof Error ? err.message : String(err)}`);
      this.item.hide();
      return;
    }
    if (seq !== this.seq) return; // a newer update started meanwhile
    this.last = result ?? undefined;
    if (!result) {
      this.item.hide();
      return;
    }
    this.render(result);
  }

  private render(result: ResolveResult): void {
    const item = this.item;
    item.text = result.model ? `$(hubot) ${result.statusText}` : `$(warning) ${result.statusText || "no model"}`;
    item.backgroundColor = result.model ? undefined : new vscode.ThemeColor("statusBarItem.warningBackground");
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**promptls** · ${escape(result.name)} (${escape(result.dialect)})\n\n`);
    if (result.model) tip.appendMarkdown(`runs on \`${result.model}\`\n\n`);
    else tip.appendMarkdown(`no model: ${escape(result.problem ?? "nothing resolves")}\n\n`);
    if (result.fallback?.length) tip.appendMarkdown(`fallback: ${result.fallback.map((m) => `\`${m}\``).join(" → ")}\n\n`);
    if (result.costText) tip.appendMarkdown(`cost per run: ${escape(result.costText)} (estimate)\n\n`);
    tip.appendMarkdown("Click to show the resolution.");
    item.tooltip = tip;
    item.command = { title: "Show Resolution", command: "promptls.showResolution" };
    item.accessibilityInformation = { label: `promptls model: ${result.statusText}` };
    item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+\-.!|]/g, (c) => `\\${c}`);
}
