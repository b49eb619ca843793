-- The test user's init.lua: the plugin on the runtimepath, and either setup({ cmd = ... }) (the
-- default) or, on 0.11+, vim.lsp.config/vim.lsp.enable with the shipped lsp/promptls.lua.
-- The spec (JSON, written by tests/editors/test_nvim.py) is named by $PLS_NVIM_SPEC.
local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(vim.env.PLS_NVIM_SPEC), "\n"))
vim.g.pls_spec = spec

vim.opt.runtimepath:prepend(spec.plugin)
vim.opt.swapfile = false
vim.opt.shortmess:append("I")
-- Record everything the plugin says (and keep it off the screen).
_G.pls_notes = {}
vim.notify = function(message, level)
  table.insert(_G.pls_notes, { message = tostring(message), level = level or vim.log.levels.INFO })
end

-- Native packages load plugin/*.lua after init.lua; with -u they load from the runtimepath too.
if spec.mode == "enable" then
  vim.lsp.config("promptls", { cmd = spec.cmd })
  vim.lsp.enable("promptls")
else
  require("promptls").setup({ cmd = spec.cmd })
end
