-- :PromptlsRun, :PromptlsResolve, :PromptlsSetKey and :PromptlsPin: each one or two
-- `workspace/executeCommand` requests (see editors/PROTOCOL.md) and a way to show the answer.

local promptls = require("promptls")

local M = {}

local function notify(message, level)
  vim.notify("promptls: " .. message, level or vim.log.levels.INFO)
end

--- `text` split at every "\n" (plain; an empty string gives one empty line).
local function split_lines(text)
  local lines, start = {}, 1
  while true do
    local at = text:find("\n", start, true)
    if not at then
      table.insert(lines, text:sub(start))
      return lines
    end
    table.insert(lines, text:sub(start, at - 1))
    start = at + 1
  end
end

local function error_message(err)
  if type(err) == "table" then
    return err.message or vim.inspect(err)
  end
  return tostring(err)
end

--- The promptls client for the current buffer; says why when there is none.
local function client_here(bufnr, any)
  local client = promptls.client_for(bufnr)
  if not client and any then
    client = promptls.clients()[1]
  end
  if not client then
    notify(
      "no language server is attached to this buffer (is it a prompt file or promptls.toml? "
        .. "see :checkhealth promptls)",
      vim.log.levels.WARN
    )
  end
  return client
end

--- Send `workspace/executeCommand` `command` with one argument object; `on_result(result)` on
--- success, the server's message (already written to fix the problem) shown on failure.
local function execute(client, bufnr, command, argument, on_result)
  if not promptls.supports(client, command) then
    notify(
      "this promptls server has no `" .. command .. "` command: upgrade promptls (pipx upgrade promptls)",
      vim.log.levels.ERROR
    )
    return
  end
  local params = { command = command, arguments = { argument } }
  return promptls.call(client, "request", "workspace/executeCommand", params, function(err, result)
    if err then
      notify(error_message(err), vim.log.levels.ERROR)
      return
    end
    on_result(result)
  end, bufnr)
end
M.execute = execute

-- Scratch buffers --------------------------------------------------------------------------------

local function scratch(name, filetype)
  local bufnr = vim.fn.bufnr("^" .. vim.fn.escape(name, "\\[]*?~.$^") .. "$")
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
    vim.bo[bufnr].buftype = "nofile"
    vim.bo[bufnr].bufhidden = "hide"
    vim.bo[bufnr].swapfile = false
    if filetype then
      vim.bo[bufnr].filetype = filetype
    end
  end
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, {})
  return bufnr
end

local function show_in_split(bufnr)
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    local current = vim.api.nvim_get_current_win()
    vim.cmd("botright split")
    win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(win, bufnr)
    vim.wo[win].wrap = true
    vim.api.nvim_set_current_win(current)
  end
  return win
end

local function scroll_to_end(bufnr)
  local count = vim.api.nvim_buf_line_count(bufnr)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == bufnr then
      pcall(vim.api.nvim_win_set_cursor, win, { count, 0 })
    end
  end
end

-- :PromptlsRun -----------------------------------------------------------------------------------

local runs = {} -- runId -> { bufnr }
local run_counter = 0

--- Append streamed `text` to the end of the run buffer (it may hold newlines).
local function append_text(bufnr, text)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local last = vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] or ""
  local pieces = split_lines(last .. text)
  vim.api.nvim_buf_set_lines(bufnr, count - 1, count, false, pieces)
end

--- Put a status line (prefixed "» ") on a line of its own; the answer continues below it.
local function append_status(bufnr, text)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local last = vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] or ""
  local lines = {}
  for _, line in ipairs(split_lines(text)) do
    table.insert(lines, "» " .. line)
  end
  table.insert(lines, "")
  if last == "" then
    vim.api.nvim_buf_set_lines(bufnr, count - 1, count, false, lines)
  else
    vim.api.nvim_buf_set_lines(bufnr, count, count, false, lines)
  end
end

--- `promptls/runProgress` notifications: `{runId, kind = "status" | "text", text}`.
function M.on_progress(params)
  if type(params) ~= "table" then
    return
  end
  local run = runs[tostring(params.runId)]
  if not run or not vim.api.nvim_buf_is_valid(run.bufnr) then
    return
  end
  if params.kind == "text" then
    append_text(run.bufnr, params.text or "")
  else
    append_status(run.bufnr, params.text or "")
  end
  scroll_to_end(run.bufnr)
end

local function summary(result)
  local lines = {}
  local model = result.model or "no model"
  local head = string.format("%s · %s", result.outcome or "?", model)
  if result.fellBack and result.requestedModel then
    head = head .. " (fell back from " .. result.requestedModel .. ")"
  end
  local usage = result.usage
  if type(usage) == "table" and usage.input_tokens then
    head = head .. string.format(" · %s in / %s out tokens", usage.input_tokens, usage.output_tokens or "?")
  end
  if type(result.costText) == "string" then -- formatted by the server, as the shell formats it
    head = head .. " · " .. result.costText
  end
  table.insert(lines, "» " .. head)
  if result.message and result.message ~= "" then
    table.insert(lines, "» " .. result.message)
  end
  if type(result.attempts) == "table" then
    for _, attempt in ipairs(result.attempts) do
      if attempt.error then
        table.insert(lines, string.format("»   %s: %s", attempt.model or "?", attempt.error))
      end
    end
  end
  return lines
end

local function finish_run(bufnr, result)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local last = vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] or ""
  local lines = summary(result)
  table.insert(lines, 1, "")
  if last == "" then
    vim.api.nvim_buf_set_lines(bufnr, count - 1, count, false, lines)
  else
    vim.api.nvim_buf_set_lines(bufnr, count, count, false, lines)
  end
  vim.b[bufnr].promptls_run = result
  scroll_to_end(bufnr)
end

local function start_run(client, bufnr, resolved, request)
  run_counter = run_counter + 1
  local run_id = string.format("nvim-%d-%d", vim.fn.getpid(), run_counter)
  local name = resolved and resolved.name or vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":t")
  local out = scratch("promptls://run/" .. name, "markdown")
  vim.b[out].promptls_run = nil
  vim.api.nvim_buf_set_lines(out, 0, -1, false, {
    "# promptls run: " .. name .. " (" .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":~:.") .. ")",
    "",
  })
  show_in_split(out)
  for id, other in pairs(runs) do
    if other.bufnr == out then
      runs[id] = nil -- an earlier run of this prompt still going: its output no longer shows
    end
  end
  local entry = { bufnr = out }
  runs[run_id] = entry
  request.runId = run_id
  request.uri = vim.uri_from_bufnr(bufnr)
  local params = { command = "promptls.run", arguments = { request } }
  promptls.call(client, "request", "workspace/executeCommand", params, function(err, result)
    if runs[run_id] ~= entry then
      return
    end
    runs[run_id] = nil
    if not vim.api.nvim_buf_is_valid(out) then
      return
    end
    if err then
      append_status(out, "error: " .. error_message(err))
      vim.b[out].promptls_run = { outcome = "error", message = error_message(err) }
      notify(error_message(err), vim.log.levels.ERROR)
      return
    end
    finish_run(out, result or {})
  end, bufnr)
  return out
end

--- Ask for each name in turn with vim.ui.input; `done(values)` unless the user cancels.
local function ask_each(names, values, done, i)
  i = i or 1
  if i > #names then
    return done(values)
  end
  vim.ui.input({ prompt = names[i] .. ": " }, function(value)
    if value == nil then
      notify("run cancelled")
      return
    end
    values[names[i]] = value
    ask_each(names, values, done, i + 1)
  end)
end

--- :PromptlsRun [input] — run the current prompt (its unsaved text) and stream the answer into a
--- scratch split. Asks for template variables and, when the prompt takes free text and none was
--- given, for the input.
function M.run(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_here(bufnr)
  if not client then
    return
  end
  local given = opts and opts.args or ""
  execute(client, bufnr, "promptls.resolve", { uri = vim.uri_from_bufnr(bufnr) }, function(resolved)
    if resolved == vim.NIL or resolved == nil then
      notify("this buffer is not a prompt file: nothing to run", vim.log.levels.WARN)
      return
    end
    local inputs = type(resolved.inputs) == "table" and resolved.inputs or {}
    local names = type(inputs.variables) == "table" and inputs.variables or {}
    ask_each(names, {}, function(values)
      local request = {}
      if next(values) ~= nil then
        request.variables = values
      end
      local function go(text)
        if text ~= nil and text ~= "" then
          request.input = text
        end
        start_run(client, bufnr, resolved, request)
      end
      if given ~= "" or not inputs.text then
        return go(given)
      end
      vim.ui.input({ prompt = "Input for " .. (resolved.name or "the prompt") .. ": " }, function(text)
        if text == nil then
          notify("run cancelled")
          return
        end
        go(text)
      end)
    end)
  end)
end

-- :PromptlsResolve -------------------------------------------------------------------------------

local KIND_HIGHLIGHT = {
  heading = "Title",
  chosen = "String",
  overridden = "Comment",
  note = "Comment",
  fact = "Normal",
  error = "ErrorMsg",
}

--- :PromptlsResolve — the resolution (`promptls resolve`'s lines) in a floating window.
function M.resolve()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_here(bufnr)
  if not client then
    return
  end
  execute(client, bufnr, "promptls.resolve", { uri = vim.uri_from_bufnr(bufnr) }, function(resolved)
    if resolved == vim.NIL or resolved == nil then
      notify("this buffer is not a prompt file: nothing resolves", vim.log.levels.WARN)
      return
    end
    local lines, kinds = {}, {}
    for _, line in ipairs(resolved.lines or {}) do
      for _, piece in ipairs(split_lines(line.text or "")) do
        table.insert(lines, piece)
        table.insert(kinds, line.kind)
      end
    end
    if #lines == 0 then
      lines = { resolved.statusText or "no model" }
    end
    local float_buf, win = vim.lsp.util.open_floating_preview(lines, "", {
      border = "rounded",
      focus_id = "promptls_resolve",
      max_width = math.max(40, math.floor(vim.o.columns * 0.8)),
    })
    local ns = vim.api.nvim_create_namespace("promptls_resolve")
    for i, kind in ipairs(kinds) do
      local group = KIND_HIGHLIGHT[kind]
      if group then
        vim.api.nvim_buf_set_extmark(float_buf, ns, i - 1, 0, {
          end_line = i - 1,
          end_col = #lines[i],
          hl_group = group,
        })
      end
    end
    vim.b[float_buf].promptls_resolve = true
    M.last_resolve = { bufnr = float_buf, win = win }
  end)
end

-- :PromptlsSetKey --------------------------------------------------------------------------------

local function send_key(client, provider)
  local ok, key = pcall(vim.fn.inputsecret, "API key for " .. provider .. ": ")
  if not ok or key == nil or key == "" then
    notify("no key entered: nothing stored")
    return
  end
  -- The one message that carries a secret: keep it out of the LSP log, whatever its level.
  local has_log, log = pcall(require, "vim.lsp.log")
  local level = has_log and log.get_level and log.get_level() or nil
  local quiet = level ~= nil and level < vim.log.levels.WARN
  if quiet then
    vim.lsp.set_log_level("WARN")
  end
  local sent = pcall(
    execute,
    client,
    nil,
    "promptls.setKey",
    { provider = provider, key = key },
    function(result)
      notify((result and result.message) or ("stored the key for " .. provider))
    end
  )
  key = nil
  if quiet then
    vim.lsp.set_log_level(level)
  end
  if not sent then
    notify("could not send the key to the server", vim.log.levels.ERROR)
  end
end

--- :PromptlsSetKey [provider] — store a provider's API key in the OS keyring.
function M.set_key(opts)
  local client = client_here(vim.api.nvim_get_current_buf(), true)
  if not client then
    return
  end
  local provider = opts and opts.args or ""
  if provider ~= "" then
    return send_key(client, provider)
  end
  execute(client, nil, "promptls.keys", vim.empty_dict(), function(result)
    local choices = {}
    for _, item in ipairs((result and result.providers) or {}) do
      if item.needsKey then
        table.insert(choices, item)
      end
    end
    if #choices == 0 then
      notify("no provider needs a key")
      return
    end
    vim.ui.select(choices, {
      prompt = "Store an API key for:",
      format_item = function(item)
        local source = item.source
        if source == nil or source == vim.NIL then
          source = "no key yet"
        end
        return string.format("%s (%s)", item.provider, source)
      end,
    }, function(choice)
      if choice then
        send_key(client, choice.provider)
      end
    end)
  end)
end

-- :PromptlsPin -----------------------------------------------------------------------------------

local function modified_buffers()
  local set = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified then
      set[b] = true
    end
  end
  return set
end

local function pin_model(client, bufnr, model)
  local before = modified_buffers()
  local argument = { uri = vim.uri_from_bufnr(bufnr) }
  if model and model ~= "" then
    argument.model = model
  end
  execute(client, bufnr, "promptls.pinModel", argument, function(result)
    result = result or {}
    local title = result.title or "pinned"
    local path = result.path
    local settings_buf = path and vim.fn.bufnr(path) or -1
    if settings_buf ~= -1 and vim.api.nvim_buf_is_loaded(settings_buf) then
      if vim.bo[settings_buf].modified then
        if before[settings_buf] or not promptls.options.write_pinned then
          title = title .. " (" .. vim.fn.fnamemodify(path, ":~:.") .. " not saved yet)"
        else
          vim.api.nvim_buf_call(settings_buf, function()
            vim.cmd("silent update")
          end)
        end
      else
        vim.api.nvim_buf_call(settings_buf, function()
          vim.cmd("silent! checktime")
        end)
      end
    end
    if result.applied == false then
      notify("could not pin: " .. title, vim.log.levels.WARN)
    else
      notify(title)
    end
    promptls.refresh_status(bufnr)
  end)
end

--- :PromptlsPin [model] — pin a model for this prompt in promptls.toml.
function M.pin(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_here(bufnr)
  if not client then
    return
  end
  local model = opts and opts.args or ""
  if model ~= "" then
    return pin_model(client, bufnr, model)
  end
  execute(client, bufnr, "promptls.models", { uri = vim.uri_from_bufnr(bufnr) }, function(result)
    local items = (result and result.items) or {}
    if #items == 0 then
      notify("no models to choose from", vim.log.levels.WARN)
      return
    end
    vim.ui.select(items, {
      prompt = "Pin which model?",
      format_item = function(item)
        local detail = item.detail
        if detail and detail ~= vim.NIL and detail ~= "" then
          return item.label .. "  " .. detail
        end
        return item.label
      end,
    }, function(choice)
      if choice then
        pin_model(client, bufnr, choice.label)
      end
    end)
  end)
end

-- Command-line completion ------------------------------------------------------------------------

local PROVIDERS = { "openai", "anthropic", "gemini", "openrouter" }

function M.complete_provider(lead)
  return vim.tbl_filter(function(p)
    return p:sub(1, #lead) == lead
  end, PROVIDERS)
end

function M.complete_model(lead)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = promptls.client_for(bufnr)
  if not client or not promptls.supports(client, "promptls.models") then
    return {}
  end
  local params = { command = "promptls.models", arguments = { { uri = vim.uri_from_bufnr(bufnr) } } }
  local answer = promptls.call(client, "request_sync", "workspace/executeCommand", params, 1500, bufnr)
  local labels = {}
  for _, item in ipairs(answer and answer.result and answer.result.items or {}) do
    if item.label:sub(1, #lead) == lead then
      table.insert(labels, item.label)
    end
  end
  return labels
end

return M
