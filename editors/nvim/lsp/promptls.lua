-- promptls for vim.lsp.config / vim.lsp.enable (Neovim 0.11+):
--
--   vim.lsp.enable("promptls")
--   vim.lsp.config("promptls", { cmd = { "/path/to/promptls", "serve" } })  -- optional
--
-- Attaches (through root_dir) only to prompt files and promptls.toml / promptls.local.toml.
return require("promptls").lsp_config()
