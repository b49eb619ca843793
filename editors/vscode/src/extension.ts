// promptls for VS Code: the language server for prompt files, its model in the status bar, and
// the commands that run a prompt, pin its model and store API keys.

import * as vscode from "vscode";
import { Commands } from "./commands";
import { PromptlsServer, RESTART_SETTINGS } from "./server";
import { ModelStatus } from "./status";

let server: PromptlsServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  server = new PromptlsServer();
  const status = new ModelStatus(server);
  const commands = new Commands(server, status);
  context.subscriptions.push(
    server,
    status,
    commands,
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (server && RESTART_SETTINGS.some((s) => e.affectsConfiguration(s))) {
        await server.restart();
      }
    }),
  );
  void server.start(); // activation does not wait for the version check and the start
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
