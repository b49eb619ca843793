-- Drives the plugin in a real headless Neovim (0.7 or 0.11) against the real `promptls serve`,
-- and writes what it saw to spec.out as JSON. Each check records its data or its error, so a
-- failing pytest shows why; the driver always ends with :qa!.
local spec = vim.g.pls_spec
local ws = spec.workspace
local results = { version = tostring(vim.version().major .. "." .. vim.version().minor), checks = {} }
local promptls = require("promptls")

local function wait(ms, condition, what)
  local ok = vim.wait(ms, condition, 25)
  if not ok then
    error("timed out after " .. ms .. " ms waiting for " .. what, 2)
  end
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false)
end

local function open(relative)
  vim.cmd("edit " .. vim.fn.fnameescape(ws .. "/" .. relative))
  return vim.api.nvim_get_current_buf()
end

local function attached(bufnr)
  return promptls.client_for(bufnr) ~= nil
end

local function floats()
  local found = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      table.insert(found, win)
    end
  end
  return found
end

local function close_floats()
  for _, win in ipairs(floats()) do
    pcall(vim.api.nvim_win_close, win, true)
  end
end

local function notes_since(count)
  local out = {}
  for i = count + 1, #_G.pls_notes do
    table.insert(out, _G.pls_notes[i])
  end
  return out
end

local function check(name, fn)
  local started = vim.loop.hrtime()
  local ok, data = xpcall(fn, debug.traceback)
  local ms = math.floor((vim.loop.hrtime() - started) / 1e6)
  if ok then
    results.checks[name] = { ok = true, data = data, ms = ms }
  else
    results.checks[name] = { ok = false, error = tostring(data), ms = ms }
  end
end

local function diagnostics_of(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, { message = d.message, lnum = d.lnum, code = d.code, source = d.source })
  end
  return out
end

-- The user's answers to vim.ui.input / vim.ui.select / inputsecret, recorded.
local asked = { input = {}, select = {} }
local answers = { input = {}, select = nil }
vim.ui.input = function(opts, on_confirm)
  table.insert(asked.input, opts.prompt)
  on_confirm(answers.input[opts.prompt])
end
vim.ui.select = function(items, opts, on_choice)
  local labels = {}
  for _, item in ipairs(items) do
    table.insert(labels, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(asked.select, { prompt = opts.prompt, count = #items, first = { unpack(labels, 1, 5) } })
  for i, item in ipairs(items) do
    if answers.select and answers.select(item, labels[i]) then
      return on_choice(item, i)
    end
  end
  on_choice(nil, nil)
end

local function run_setup_checks()
  -- 1. The file from the command line (a Claude agent) attached; hover names the resolved model.
  local agent = vim.api.nvim_get_current_buf()
  check("attach", function()
    wait(15000, function()
      return attached(agent)
    end, "the client to attach to " .. vim.api.nvim_buf_get_name(agent))
    local client = promptls.client_for(agent)
    return {
      filetype = vim.bo[agent].filetype,
      root = client.config.root_dir,
      commands = (client.server_capabilities.executeCommandProvider or {}).commands or {},
    }
  end)

  check("hover", function()
    vim.api.nvim_win_set_cursor(0, { 4, 9 }) -- on the value of `model: sonnet`
    vim.lsp.buf.hover()
    wait(10000, function()
      return #floats() > 0
    end, "the hover window")
    local text = table.concat(lines(vim.api.nvim_win_get_buf(floats()[1])), "\n")
    close_floats()
    return { text = text }
  end)

  -- 2. A misspelled model: the diagnostic, then the quick fix through vim.lsp.buf.code_action().
  check("diagnostics", function()
    local typo = open("prompts/typo.md")
    wait(15000, function()
      return #vim.diagnostic.get(typo) > 0
    end, "diagnostics for prompts/typo.md")
    return { items = diagnostics_of(typo) }
  end)

  check("code_action", function()
    local typo = vim.api.nvim_get_current_buf()
    local titles = {}
    answers.select = function(item, label)
      local action = item.action or item[2] or item
      table.insert(titles, action.title or label)
      return (action.title or ""):find("Change to", 1, true) ~= nil
    end
    vim.api.nvim_win_set_cursor(0, { 2, 9 })
    local before = table.concat(lines(typo), "\n")
    vim.lsp.buf.code_action()
    wait(10000, function()
      return table.concat(lines(typo), "\n") ~= before
    end, "the quick fix to change the buffer")
    answers.select = nil
    return { text = table.concat(lines(typo), "\n"), titles = titles }
  end)

  -- 3. Completion of model ids after `model: openai/gpt-4` in the prompt the run uses.
  local prompt = open("prompts/summarize.md")
  check("completion", function()
    wait(15000, function()
      return attached(prompt)
    end, "the client to attach to prompts/summarize.md")
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(prompt) },
      position = { line = 1, character = #"model: openai/gpt-4" },
    }
    local replies = vim.lsp.buf_request_sync(prompt, "textDocument/completion", params, 10000) or {}
    local labels = {}
    for _, reply in pairs(replies) do
      local items = reply.result and (reply.result.items or reply.result) or {}
      for _, item in ipairs(items) do
        table.insert(labels, item.label)
      end
    end
    return { labels = labels }
  end)

  -- 4. The status line text, refreshed after attach.
  check("statusline", function()
    wait(15000, function()
      return promptls.statusline(prompt) ~= ""
    end, "statusline() to return the resolved model")
    return { text = promptls.statusline(prompt) }
  end)

  -- 5. :PromptlsResolve shows the resolution lines in a floating window.
  check("resolve", function()
    vim.cmd("PromptlsResolve")
    wait(10000, function()
      local last = require("promptls.commands").last_resolve
      return last ~= nil and vim.api.nvim_buf_is_valid(last.bufnr)
    end, "the :PromptlsResolve window")
    local text = table.concat(lines(require("promptls.commands").last_resolve.bufnr), "\n")
    close_floats()
    return { text = text }
  end)

  -- 6. :PromptlsRun asks for the template variable, streams the answer from the wire server.
  local commands = require("promptls.commands")
  local on_progress = commands.on_progress
  local progress = {}
  commands.on_progress = function(params)
    table.insert(progress, params.kind)
    return on_progress(params)
  end
  local function run(name, command)
    local asked_before, progress_before = #asked.input, #progress
    vim.cmd(command)
    local out
    wait(30000, function()
      out = vim.fn.bufnr("promptls://run/" .. name)
      return out ~= -1 and vim.b[out].promptls_run ~= nil
    end, "the run to finish in promptls://run/" .. name)
    return {
      lines = lines(out),
      result = vim.b[out].promptls_run,
      asked = { unpack(asked.input, asked_before + 1) },
      progress = { unpack(progress, progress_before + 1) },
      visible = vim.fn.bufwinid(out) ~= -1,
    }
  end
  check("run", function()
    answers.input["text: "] = "hello world"
    return run("summarize", "PromptlsRun")
  end)

  -- A Claude command: the input text is asked for; openai answers 401, ollama answers instead.
  check("run_fallback", function()
    open(".claude/commands/ask.md")
    wait(15000, function()
      return attached(0)
    end, "the client to attach to .claude/commands/ask.md")
    answers.input["Input for ask: "] = "what is 2+2?"
    return run("ask", "PromptlsRun")
  end)

  -- 7. :PromptlsPin without a model: a pick from promptls.models, then promptls.toml is written.
  check("pin", function()
    vim.api.nvim_set_current_buf(prompt)
    local notes = #_G.pls_notes
    answers.select = function(item)
      return item.label == "openai/gpt-4o-mini"
    end
    vim.cmd("PromptlsPin")
    wait(15000, function()
      for _, note in ipairs(notes_since(notes)) do
        if note.message:find("Pin", 1, true) or note.level == vim.log.levels.ERROR then
          return true
        end
      end
      return false
    end, "the pin to be answered")
    answers.select = nil
    local pick = asked.select[#asked.select]
    wait(15000, function()
      return promptls.statusline(prompt):find("gpt-4o-mini", 1, true) ~= nil
    end, "the status line to show the pinned model")
    return {
      notes = notes_since(notes),
      pick = pick,
      settings = table.concat(vim.fn.readfile(ws .. "/promptls.toml"), "\n"),
      statusline = promptls.statusline(prompt),
    }
  end)

  -- 8. :PromptlsSetKey: a provider pick, the key from inputsecret; this test keyring is off.
  check("set_key", function()
    local notes = #_G.pls_notes
    answers.select = function(item)
      return item.provider == "openai"
    end
    vim.fn.inputsecret = function()
      return spec.secret
    end
    vim.cmd("PromptlsSetKey")
    wait(15000, function()
      return #notes_since(notes) > 0
    end, "an answer to promptls.setKey")
    answers.select = nil
    return { notes = notes_since(notes), pick = asked.select[#asked.select] }
  end)

  -- 9. Files that are no prompt stay detached; a Dotprompt file gets its filetype and attaches.
  check("detection", function()
    local plain = open("notes/readme.md")
    local dot = open("dotprompt/summary.prompt")
    wait(15000, function()
      return attached(dot)
    end, "the client to attach to dotprompt/summary.prompt")
    local settings = open("promptls.toml")
    wait(15000, function()
      return attached(settings)
    end, "the client to attach to promptls.toml")
    -- Claude Code's plugin manifest (a json buffer) attaches and gets the server's findings; another
    -- JSON file does not.
    local manifest = open(".claude-plugin/plugin.json")
    wait(15000, function()
      return attached(manifest) and #vim.diagnostic.get(manifest) > 0
    end, "the client to attach to .claude-plugin/plugin.json and report on it")
    -- Neovim 0.11 pulls diagnostics besides taking the pushed ones (each in a namespace of its own):
    -- a second copy of a finding would arrive within this second.
    vim.wait(1000)
    local package_json = open("package.json")
    return {
      manifest_filetype = vim.bo[manifest].filetype,
      manifest_diagnostics = diagnostics_of(manifest),
      package_json_attached = attached(package_json),
      plain_attached = attached(plain),
      plain_filetype = vim.bo[plain].filetype,
      dotprompt_filetype = vim.bo[dot].filetype,
      clients = #promptls.clients(),
    }
  end)

  -- 10. :checkhealth promptls
  check("health", function()
    vim.cmd("checkhealth promptls")
    wait(15000, function()
      return table.concat(lines(0), "\n"):find("version", 1, true) ~= nil
    end, "the health report")
    return { text = table.concat(lines(0), "\n") }
  end)

  -- 11. A server command that does not exist: a clear error that says how to fix it, no attach.
  check("missing_executable", function()
    local notes = #_G.pls_notes
    promptls.setup({ cmd = { "promptls-not-installed", "serve" } })
    local other = open("../elsewhere/prompts/x.md")
    return { notes = notes_since(notes), attached = attached(other) }
  end)
end

local function run_enable_checks()
  local agent = vim.api.nvim_get_current_buf()
  check("enable", function()
    wait(15000, function()
      return attached(agent)
    end, "vim.lsp.enable('promptls') to attach")
    wait(15000, function()
      return promptls.statusline(agent) ~= ""
    end, "statusline() after vim.lsp.enable")
    local plain = open("notes/readme.md")
    vim.wait(300)
    return {
      statusline = promptls.statusline(agent),
      plain_attached = attached(plain),
      clients = #promptls.clients(),
    }
  end)

  -- With no client running, :checkhealth asks the command line (`promptls keys list --json`).
  check("health_without_client", function()
    for _, client in ipairs(promptls.clients()) do
      promptls.call(client, "stop")
    end
    wait(10000, function()
      return #promptls.clients() == 0
    end, "the client to stop")
    vim.cmd("checkhealth promptls")
    wait(15000, function()
      return table.concat(lines(0), "\n"):find("openai key", 1, true) ~= nil
    end, "the health report")
    return { text = table.concat(lines(0), "\n") }
  end)
end

local ok, err = xpcall(function()
  if spec.mode == "enable" then
    run_enable_checks()
  else
    run_setup_checks()
  end
end, debug.traceback)
if not ok then
  results.error = tostring(err)
end
results.notes = _G.pls_notes
results.errmsg = vim.v.errmsg
results.messages = vim.api.nvim_exec("messages", true)
local written, write_err = pcall(vim.fn.writefile, { vim.fn.json_encode(results) }, spec.out)
if not written then
  io.stderr:write("driver: cannot write results: " .. tostring(write_err) .. "\n")
end
-- Stop the servers first: a clean shutdown, then quit.
for _, client in ipairs(promptls.clients()) do
  pcall(promptls.call, client, "stop")
end
vim.wait(2000, function()
  return #promptls.clients() == 0
end, 50)
vim.cmd("qa!")
