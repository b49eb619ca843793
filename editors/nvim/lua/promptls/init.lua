-- promptls for Neovim: starts `promptls serve` for prompt files and promptls settings files.
--
-- Works on Neovim 0.7 (vim.lsp.start_client + buf_attach_client, one client per root), 0.8+
-- (vim.lsp.start) and 0.11+ (also `lsp/promptls.lua` for vim.lsp.config / vim.lsp.enable).
-- Everything that needs promptls's core is answered by the server; this file only decides which
-- buffers to attach, keeps the status line text, and adapts to the Neovim version.

local M = {}

local uv = vim.loop
local HAS_08 = vim.fn.has("nvim-0.8") == 1
local HAS_011 = vim.fn.has("nvim-0.11") == 1

M.defaults = {
  -- How to start the server; the server arguments must end in "serve".
  cmd = { "promptls", "serve" },
  -- Buffers of these filetypes are looked at; the path (and, for plain markdown, the frontmatter)
  -- decides whether to attach (json: Claude Code's plugin manifests).
  filetypes = { "markdown", "toml", "json" },
  -- The `promptls` settings section (`select`, `ignore`, `diagnosticsDelay`), sent as
  -- initializationOptions and answered to workspace/configuration.
  settings = {},
  -- Filetype for Dotprompt `*.prompt` files (YAML frontmatter + a Handlebars template); false
  -- leaves `.prompt` files alone.
  dotprompt_filetype = "markdown",
  -- The project root: the nearest folder holding one of these, else the file's own folder.
  root_markers = { "promptls.toml", ".git", ".claude", ".github" },
  -- Write promptls.toml after :PromptlsPin changed it (unless it had unsaved changes before).
  write_pinned = true,
}

M.options = vim.deepcopy(M.defaults)

-- Version helpers ---------------------------------------------------------------------------------

M.has_08 = HAS_08
M.has_011 = HAS_011

--- client.request etc.: methods (client:request) since 0.11, plain functions before.
function M.call(client, method, ...)
  if HAS_011 then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function all_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = "promptls" })
  end
  local found = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == "promptls" then
      table.insert(found, client)
    end
  end
  return found
end

--- The running promptls clients (all of them, or those attached to `bufnr`).
function M.clients(bufnr)
  local found = {}
  for _, client in ipairs(all_clients()) do
    local stopped = M.call(client, "is_stopped")
    if not stopped and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  return found
end

--- The promptls client attached to `bufnr` (default: the current buffer), or nil.
function M.client_for(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  return M.clients(bufnr)[1]
end

-- Which files are ours ---------------------------------------------------------------------------

-- The core's table of prompt files and settings files (router/prompts/detect.py), generated.
local patterns = require("promptls.patterns")

local function ends_with(text, suffix)
  return #text >= #suffix and text:sub(-#suffix) == suffix
end

local function buffer_lines(bufnr, count)
  if not bufnr or not vim.api.nvim_buf_is_loaded(bufnr) then
    return {}
  end
  return vim.api.nvim_buf_get_lines(bufnr, 0, count, false)
end

-- The frontmatter's lines between its fences (to the last line read when it is never closed), or nil
-- when the first line is no `---`: as detect._frontmatter_block in the core.
local function frontmatter_lines(bufnr)
  local lines = buffer_lines(bufnr, 200)
  local first = (lines[1] or ""):gsub("^\239\187\191", "")
  if not first:match("^%-%-%-[ \t\r]*$") then
    return nil
  end
  local block = {}
  for i = 2, #lines do
    if lines[i]:match("^%-%-%-[ \t]*\r?$") or lines[i]:match("^%.%.%.[ \t]*\r?$") then
      break
    end
    table.insert(block, lines[i])
  end
  return block
end

local LOOKALIKES = {}
for _, key in ipairs(patterns.model_lookalikes or {}) do
  LOOKALIKES[key] = true
end

-- Are `a` and `b` different by one letter substituted, inserted, deleted or two swapped?
local function one_edit(a, b)
  if a == b or math.abs(#a - #b) > 1 then
    return false
  end
  if #a > #b then
    a, b = b, a
  end
  local i = 1
  while i <= #a and a:sub(i, i) == b:sub(i, i) do
    i = i + 1
  end
  if #a < #b then
    return a:sub(i) == b:sub(i + 1)
  end
  local swapped = i < #a and a:sub(i, i) == b:sub(i + 1, i + 1) and a:sub(i + 1, i + 1) == b:sub(i, i)
  return a:sub(i + 1) == b:sub(i + 1) or (swapped and a:sub(i + 2) == b:sub(i + 2))
end

-- The `model` key, or a typo of it (not a word of its own, `mode`, `models`: see the core's
-- MODEL_LOOKALIKES).
local function names_model(key)
  if key == "model" then
    return true
  end
  local lower = key:lower()
  return not LOOKALIKES[lower] and (lower == "model" or one_edit(lower, "model"))
end

-- A top-level key of a block-style frontmatter line, plain or quoted.
local function block_key(line)
  local key, rest = line:match('^"([^"]*)"[ \t]*:(.*)$')
  if not key then
    key, rest = line:match("^'([^']*)'[ \t]*:(.*)$")
  end
  if not key then
    key, rest = line:match("^(%a[%w_%-]*)[ \t]*:(.*)$")
  end
  if key and (rest == "" or rest:match("^[ \t\r]")) then
    return key
  end
  return nil
end

local function quote_end(text, i, quote)
  while true do
    local e = text:find(quote, i, true)
    if not e then
      return #text + 1
    end
    local backslashes = 0
    while e - backslashes - 1 >= 1 and text:sub(e - backslashes - 1, e - backslashes - 1) == "\\" do
      backslashes = backslashes + 1
    end
    if quote == '"' and backslashes % 2 == 1 then
      i = e + 1
    elseif quote == "'" and text:sub(e + 1, e + 1) == "'" then
      i = e + 2
    else
      return e + 1
    end
  end
end

-- The key that starts at `i` in a flow mapping, added to `keys`; where to go on.
local function flow_key(text, i, keys)
  local s, e, key = text:find('^[ \t\r\n]*"([^"\\\r\n]*)"[ \t\r\n]*:', i)
  if not s then
    s, e, key = text:find("^[ \t\r\n]*'([^'\r\n]*)'[ \t\r\n]*:", i)
  end
  if not s then
    s, e, key = text:find("^[ \t\r\n]*([^%s\"'{}%[%],:#][^{}%[%],:\r\n]-)[ \t\r\n]*:", i)
  end
  if not s then
    return i
  end
  table.insert(keys, vim.trim(key))
  return e + 1
end

-- The keys of the flow mapping `text` opens (`{model: x}`), not those of mappings nested in it.
local function flow_keys(text)
  local keys, depth, i = {}, 0, 1
  while true do
    local s = text:find("[{}%[%],\"'#]", i)
    if not s then
      return keys
    end
    local char = text:sub(s, s)
    i = s + 1
    if char == "{" or char == "[" then
      depth = depth + 1
      if depth == 1 and char == "{" then
        i = flow_key(text, i, keys)
      end
    elseif char == "}" or char == "]" then
      depth = depth - 1
      if depth <= 0 then
        return keys
      end
    elseif char == "," then
      if depth == 1 then
        i = flow_key(text, i, keys)
      end
    elseif char == "#" then
      if s == 1 or text:sub(s - 1, s - 1):match("%s") then
        i = text:find("\n", i, true) or (#text + 1)
      end
    else
      local before = text:sub(1, s - 1):gsub("%s+$", "")
      local last = before:sub(-1)
      if last == "{" or last == "[" or last == "," or last == ":" then
        i = quote_end(text, i, char)
      end
    end
  end
end

-- What a row needs of the text; the same looks as detect.text_shows in the core.
local TEXT_SHOWS = {
  ["model-key"] = function(bufnr)
    local block = frontmatter_lines(bufnr)
    if not block then
      return false
    end
    local text = (table.concat(block, "\n"):gsub("^[ \t\r\n]+", ""))
    while text:sub(1, 1) == "#" do -- comment lines before a flow mapping
      local newline = text:find("\n", 1, true)
      text = newline and (text:sub(newline + 1):gsub("^[ \t\r\n]+", "")) or ""
    end
    if text:sub(1, 1) == "{" then
      for _, key in ipairs(flow_keys(text)) do
        if names_model(key) then
          return true
        end
      end
      return false
    end
    for _, line in ipairs(block) do
      local key = block_key(line)
      if key and names_model(key) then
        return true
      end
    end
    return false
  end,
  ["frontmatter"] = function(bufnr)
    return frontmatter_lines(bufnr) ~= nil
  end,
  ["promptls-table"] = function(bufnr)
    for _, line in ipairs(buffer_lines(bufnr, -1)) do
      if line:match("^%s*%[%[?%s*tool%.promptls%s*[%]%.]") then
        return true
      end
    end
    return false
  end,
}

local function text_shows(needs, bufnr)
  return needs == nil or TEXT_SHOWS[needs](bufnr)
end

--- Does the row's name or endings fit `name` (lower case)?
local function names_file(row, name)
  if row.name then
    return name == row.name:lower()
  end
  if not row.suffixes then
    return true
  end
  for _, suffix in ipairs(row.suffixes) do
    if ends_with(name, suffix) then
      return true
    end
  end
  return false
end

--- Where the nearest `row.folder` above the file ends (an index into `segments`), keeping `depth`.
local function folder_end(row, segments)
  local folder, size = row.folder, #row.folder
  local own = #segments - 1 -- the folder holding the file
  local from, to = own, size
  if row.depth then
    from, to = own - row.depth, math.max(own - row.depth, size)
  end
  for last = from, to, -1 do
    local same = true
    for k = 1, size do
      same = same and segments[last - size + k] == folder[k]
    end
    if same then
      return last
    end
  end
  return nil
end

local function covers(row, segments, name)
  return names_file(row, name) and (row.folder == nil or folder_end(row, segments) ~= nil)
end

--- What `path` is for promptls: "settings", "manifest" (a Claude Code plugin or marketplace
--- manifest), a dialect ("claude-agent", "copilot-prompt", "dotprompt", "generic", ...) or nil when
--- it is none of promptls's files. Reads the core's table
--- (patterns.lua, generated); where the text decides, `bufnr`'s lines are looked at. Attaches for a
--- superset of what the server counts: markdown under `prompts/` and `*.instructions.md` too.
function M.kind(path, bufnr)
  if not path or path == "" then
    return nil
  end
  local segments = {}
  for segment in path:gsub("\\", "/"):gmatch("[^/]+") do
    if segment ~= "." then
      table.insert(segments, segment)
    end
  end
  local name = (segments[#segments] or ""):lower()
  for _, row in ipairs(patterns.settings) do
    if segments[#segments] == row.name and text_shows(row.needs, bufnr) then
      return "settings"
    end
  end
  for _, row in ipairs(patterns.manifests or {}) do
    if segments[#segments] == row.name and segments[#segments - 1] == row.folder then
      return "manifest"
    end
  end
  -- The path alone: a row naming the file decides, else the row whose folder is nearest.
  local found, nearest = nil, -1
  for _, row in ipairs(patterns.prompts) do
    if row.needs == nil and names_file(row, name) then
      if row.folder == nil then
        return row.dialect
      end
      local last = folder_end(row, segments)
      if last and last > nearest then
        found, nearest = row.dialect, last
      end
    end
  end
  if found then
    return found
  end
  for _, row in ipairs(patterns.hints) do
    if covers(row, segments, name) then
      return row.dialect
    end
  end
  for _, row in ipairs(patterns.prompts) do
    if row.needs and covers(row, segments, name) and text_shows(row.needs, bufnr) then
      return row.dialect
    end
  end
  return nil
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

--- The project root for `path`: the nearest folder with a root marker, else the file's folder.
function M.root_dir(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local current = dir
  while true do
    for _, marker in ipairs(M.options.root_markers) do
      if exists(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      return dir
    end
    current = parent
  end
end

-- The server command --------------------------------------------------------------------------

local warned = {}

--- True when `cmd[1]` can be started; otherwise says so (once) with the fix.
function M.check_executable(cmd)
  cmd = cmd or M.options.cmd
  local exe = type(cmd) == "table" and cmd[1] or nil
  if exe and vim.fn.executable(exe) == 1 then
    return true
  end
  local key = tostring(exe)
  if not warned[key] then
    warned[key] = true
    vim.notify(
      string.format(
        "promptls: cannot start the language server: `%s` is not an executable on PATH.\n"
          .. "Fix: install it with `pipx install promptls` (or `pip install promptls`), or tell the plugin "
          .. 'where it is: require("promptls").setup({ cmd = { "/path/to/promptls", "serve" } }).',
        key
      ),
      vim.log.levels.ERROR
    )
  end
  return false
end

--- The command line without its trailing "serve": what `promptls --version` etc. run with.
function M.base_cmd(cmd)
  cmd = vim.deepcopy(cmd or M.options.cmd)
  if cmd[#cmd] == "serve" then
    table.remove(cmd)
  end
  return cmd
end

-- Status line ---------------------------------------------------------------------------------

local status = {} -- bufnr -> { text, result, pending, again }

--- The resolved model of `bufnr` (default: the current buffer) for a status line, e.g.
--- "anthropic/claude-sonnet-4-5 +1 fallback"; "" for buffers promptls is not attached to. Never
--- blocks: it answers from a cache that attach, save and new diagnostics refresh.
function M.statusline(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local entry = status[bufnr]
  return entry and entry.text or ""
end

--- The last `promptls.resolve` answer for `bufnr` (nil until one arrived).
function M.resolution(bufnr)
  local entry = status[bufnr or vim.api.nvim_get_current_buf()]
  return entry and entry.result or nil
end

local function supports(client, command)
  local caps = client.server_capabilities or {}
  local provider = caps.executeCommandProvider
  return type(provider) == "table" and vim.tbl_contains(provider.commands or {}, command)
end
M.supports = supports

--- Ask the server for `bufnr`'s resolution and keep its statusText (asynchronous).
function M.refresh_status(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    status[bufnr] = nil
    return
  end
  local client = M.client_for(bufnr)
  if not client or not supports(client, "promptls.resolve") then
    return
  end
  local entry = status[bufnr] or {}
  status[bufnr] = entry
  if entry.pending then
    entry.again = true
    return
  end
  entry.pending = true
  local params = { command = "promptls.resolve", arguments = { { uri = vim.uri_from_bufnr(bufnr) } } }
  local sent = M.call(client, "request", "workspace/executeCommand", params, function(err, result)
    entry.pending = false
    if not err then
      entry.result = type(result) == "table" and result or nil
      entry.text = entry.result and entry.result.statusText or ""
      pcall(vim.cmd, "redrawstatus!")
    end
    if entry.again then
      entry.again = false
      M.refresh_status(bufnr)
    end
  end, bufnr)
  if not sent then
    entry.pending = false -- the client is shutting down
  end
end

local function refresh_client_buffers(client_id)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.lsp.buf_is_attached(bufnr, client_id) then
      M.refresh_status(bufnr)
    end
  end
end

local autocmds_done = false

--- Autocommands that keep the status line text fresh (created once, by setup or lsp_config).
function M.ensure_autocmds()
  if autocmds_done then
    return
  end
  autocmds_done = true
  local group = vim.api.nvim_create_augroup("promptls_status", { clear = true })
  if HAS_08 then
    vim.api.nvim_create_autocmd("LspAttach", {
      group = group,
      callback = function(args)
        local client = vim.lsp.get_client_by_id(args.data and args.data.client_id or -1)
        if client and client.name == "promptls" then
          M.refresh_status(args.buf)
        end
      end,
    })
    vim.api.nvim_create_autocmd("LspDetach", {
      group = group,
      callback = function(args)
        local client = vim.lsp.get_client_by_id(args.data and args.data.client_id or -1)
        if client and client.name == "promptls" then
          status[args.buf] = nil
          pcall(vim.cmd, "redrawstatus!")
        end
      end,
    })
  end
  vim.api.nvim_create_autocmd("DiagnosticChanged", {
    group = group,
    callback = function(args)
      local bufnr = args.buf
      if bufnr and bufnr > 0 and M.client_for(bufnr) then
        M.refresh_status(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    callback = function(args)
      local client = M.client_for(args.buf)
      if client then
        -- A saved settings file can change every open prompt's model.
        refresh_client_buffers(client.id)
      end
    end,
  })
  vim.api.nvim_create_autocmd("BufWipeout", {
    group = group,
    callback = function(args)
      status[args.buf] = nil
    end,
  })
end

-- Client configuration --------------------------------------------------------------------------

--- Handlers every promptls client needs (run progress notifications).
function M.handlers()
  return {
    ["promptls/runProgress"] = function(_, result)
      require("promptls.commands").on_progress(result)
    end,
  }
end

local function settings_section(settings)
  settings = settings or {}
  if settings.promptls ~= nil then
    return settings
  end
  return { promptls = settings }
end

--- The client configuration for a root (vim.lsp.start / vim.lsp.start_client).
function M.client_config(root)
  local opts = M.options
  local config = {
    name = "promptls",
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = settings_section(opts.settings),
    init_options = settings_section(opts.settings).promptls,
    handlers = M.handlers(),
  }
  if not HAS_08 then
    config.on_attach = function(_, bufnr)
      M.refresh_status(bufnr)
    end
  end
  return config
end

--- The configuration `lsp/promptls.lua` returns, for vim.lsp.config / vim.lsp.enable (0.11+).
--- `root_dir` attaches only to prompt files and promptls settings files.
function M.lsp_config()
  M.ensure_autocmds()
  return {
    cmd = vim.deepcopy(M.options.cmd),
    filetypes = vim.deepcopy(M.options.filetypes),
    root_dir = function(bufnr, on_dir)
      local path = vim.api.nvim_buf_get_name(bufnr)
      if vim.bo[bufnr].buftype ~= "" or not M.kind(path, bufnr) then
        return
      end
      local resolved = vim.lsp.config and vim.lsp.config.promptls
      if not M.check_executable(resolved and resolved.cmd or M.options.cmd) then
        return
      end
      on_dir(M.root_dir(path))
    end,
    settings = settings_section(M.options.settings),
    init_options = settings_section(M.options.settings).promptls,
    handlers = M.handlers(),
  }
end

-- Attaching ------------------------------------------------------------------------------------

local clients_by_root = {} -- 0.7: root -> client id

--- Attach promptls to `bufnr` when it is a prompt file or a settings file. Returns the client id.
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  if not M.kind(path, bufnr) then
    return nil
  end
  -- Already attached (FileType fires again on `:edit`, `:set ft=`): one client per buffer, or every
  -- diagnostic would show twice.
  local attached = M.client_for(bufnr)
  if attached then
    return attached.id
  end
  if not M.check_executable() then
    return nil
  end
  local root = M.root_dir(path)
  local config = M.client_config(root)
  if HAS_08 then
    local id
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(config, { bufnr = bufnr })
    end)
    return id
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Configure the plugin and attach to prompt files from now on (and to those already open).
---   require("promptls").setup({ cmd = {...}, filetypes = {...}, settings = {...} })
function M.setup(opts)
  M.setup_done = true
  if not vim.g.loaded_promptls then
    -- Plugin managers that add this folder to the runtimepath late (lazy.nvim with a
    -- subdirectory) do not source plugin/ files: define the commands here then.
    vim.cmd("runtime! plugin/promptls.lua")
  end
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  if opts and opts.cmd then
    M.options.cmd = opts.cmd -- a list: replace, never merge element by element
  end
  if opts and opts.filetypes then
    M.options.filetypes = opts.filetypes
  end
  if opts and opts.root_markers then
    M.options.root_markers = opts.root_markers
  end
  local filetypes = vim.deepcopy(M.options.filetypes)
  local dotprompt = M.options.dotprompt_filetype
  local group = vim.api.nvim_create_augroup("promptls_attach", { clear = true })
  if dotprompt then
    if not vim.tbl_contains(filetypes, dotprompt) then
      table.insert(filetypes, dotprompt)
    end
    if HAS_08 then
      vim.filetype.add({ extension = { prompt = dotprompt } })
    else
      vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
        group = group,
        pattern = "*.prompt",
        command = "setfiletype " .. dotprompt,
      })
    end
  end
  M.ensure_autocmds()
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers opened before setup ran (lazy loading).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local name = vim.api.nvim_buf_get_name(bufnr)
      if dotprompt and vim.bo[bufnr].filetype == "" and ends_with(name, ".prompt") then
        vim.bo[bufnr].filetype = dotprompt -- fires FileType, which attaches
      elseif vim.tbl_contains(filetypes, vim.bo[bufnr].filetype) then
        M.attach(bufnr)
      end
    end
  end
end

return M
