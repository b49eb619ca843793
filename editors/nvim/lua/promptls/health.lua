-- :checkhealth promptls — the server command, its version, the keyring, running clients.
-- Works with Neovim 0.7's health#report_* functions, 0.8/0.9's vim.health.report_* and 0.10+'s
-- vim.health.start/ok/warn/error/info.

local M = {}

local function reporter()
  local health = vim.health
  if health and health.start then
    return health
  end
  if health and health.report_start then
    return {
      start = health.report_start,
      ok = health.report_ok,
      warn = health.report_warn,
      error = health.report_error,
      info = health.report_info,
    }
  end
  local function fn(name)
    return function(...)
      return vim.fn["health#report_" .. name](...)
    end
  end
  return { start = fn("start"), ok = fn("ok"), warn = fn("warn"), error = fn("error"), info = fn("info") }
end

local function configured_cmd()
  local promptls = require("promptls")
  for _, client in ipairs(promptls.clients()) do
    if type(client.config.cmd) == "table" then
      return client.config.cmd
    end
  end
  if not promptls.setup_done then
    -- Started through vim.lsp.enable (0.11+), perhaps with a vim.lsp.config override.
    local ok, config = pcall(function()
      return vim.lsp.config and vim.lsp.config.promptls
    end)
    if ok and config and type(config.cmd) == "table" then
      return config.cmd
    end
  end
  return promptls.options.cmd
end

local function run(cmd)
  local ok, output = pcall(vim.fn.system, cmd)
  if not ok then
    return nil, tostring(output), -1
  end
  return output, nil, vim.v.shell_error
end

local function report_health_answer(h, answer)
  h.ok(
    string.format(
      "server %s (%s, Python %s)",
      answer.version or "?",
      answer.executable or "?",
      answer.python or "?"
    )
  )
  local keyring = type(answer.keyring) == "table" and answer.keyring or {}
  local backend = keyring.backend ~= vim.NIL and keyring.backend or "none"
  if keyring.ok then
    h.ok("keyring: " .. tostring(backend))
  else
    -- The server's message already says how to fix it.
    h.warn("keyring: " .. tostring(keyring.message or ("unusable (" .. tostring(backend) .. ")")))
  end
  if answer.ledger and answer.ledger ~= vim.NIL then
    h.info("usage ledger: " .. tostring(answer.ledger))
  end
  local catalog = answer.catalog
  if type(catalog) == "table" then
    h.info(
      string.format(
        "model catalog: %s models (generated %s)",
        tostring(catalog.models),
        tostring(catalog.generated)
      )
    )
  end
end

--- Run `cmd` (a list, no shell) and return its stdout and stderr separately.
local function run_split(cmd, timeout_ms)
  local stdout, stderr = {}, {}
  local ok, job = pcall(vim.fn.jobstart, cmd, {
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, data)
      stdout = data or {}
    end,
    on_stderr = function(_, data)
      stderr = data or {}
    end,
  })
  if not ok or job <= 0 then
    return nil, "cannot start " .. table.concat(cmd, " ")
  end
  local status = vim.fn.jobwait({ job }, timeout_ms or 10000)[1]
  if status == -1 then
    vim.fn.jobstop(job)
    return nil, "timed out: " .. table.concat(cmd, " ")
  end
  return table.concat(stdout, "\n"), vim.trim(table.concat(stderr, "\n"))
end

local function report_keys_cli(h, base)
  local cmd = vim.deepcopy(base)
  vim.list_extend(cmd, { "keys", "list", "--json" })
  local output, stderr = run_split(cmd)
  local ok, providers = pcall(vim.json.decode, output or "")
  if not ok or type(providers) ~= "table" then
    h.warn("could not read `" .. table.concat(cmd, " ") .. "`: " .. tostring(stderr))
    return
  end
  -- `in_keyring` is true/false when the keyring could be asked, null when it could not.
  local keyring_ok = false
  for _, item in ipairs(providers) do
    if type(item.in_keyring) == "boolean" then
      keyring_ok = true
    end
  end
  if keyring_ok then
    h.ok("keyring: usable")
  else
    local why = (stderr and stderr ~= "") and stderr:gsub("^promptls keys: error: ", "") or "unavailable"
    h.warn("keyring: " .. why)
  end
  for _, item in ipairs(providers) do
    if item.needs_key then
      local source = item.source
      if source == nil or source == vim.NIL then
        source = "no key"
      end
      h.info(string.format("%s key: %s", item.provider, source))
    end
  end
end

function M.check()
  local h = reporter()
  local promptls = require("promptls")
  h.start("promptls")
  local v = vim.version()
  h.info(string.format("Neovim %d.%d.%d", v.major, v.minor, v.patch))

  local cmd = configured_cmd()
  local exe = cmd[1]
  local path = exe and vim.fn.exepath(exe) or ""
  if path == "" then
    h.error("server command not found: " .. table.concat(cmd, " "), {
      "Install promptls: `pipx install promptls` (or `pip install promptls`).",
      'Or point the plugin at it: require("promptls").setup({ cmd = { "/path/to/promptls", "serve" } }).',
    })
    return
  end
  h.ok("server command: " .. table.concat(cmd, " ") .. " (" .. path .. ")")

  local base = promptls.base_cmd(cmd)
  local version_cmd = vim.deepcopy(base)
  table.insert(version_cmd, "--version")
  local output, err, code = run(version_cmd)
  if code ~= 0 or not output then
    h.error("`" .. table.concat(version_cmd, " ") .. "` failed: " .. vim.trim(err or output or ""), {
      "Reinstall promptls (pipx reinstall promptls) or fix the cmd in setup().",
    })
    return
  end
  h.ok("version: " .. vim.trim(output))

  local clients = promptls.clients()
  local answered = false
  for _, client in ipairs(clients) do
    h.info(string.format("client %d running for %s", client.id, tostring(client.config.root_dir)))
    if not answered and promptls.supports(client, "promptls.health") then
      local params = { command = "promptls.health", arguments = { vim.empty_dict() } }
      local reply = promptls.call(client, "request_sync", "workspace/executeCommand", params, 5000)
      if reply and reply.result and type(reply.result) == "table" then
        report_health_answer(h, reply.result)
        answered = true
      elseif reply and reply.err then
        h.warn("promptls.health failed: " .. tostring(reply.err.message or reply.err))
      end
    end
  end
  if #clients == 0 then
    h.info("no promptls client is running (open a prompt file to start one)")
  end
  if not answered then
    report_keys_cli(h, base)
  end
end

return M
