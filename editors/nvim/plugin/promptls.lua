-- promptls: user commands only. Attaching to prompt files is done by require("promptls").setup()
-- (or, on Neovim 0.11+, by vim.lsp.enable("promptls") with the shipped lsp/promptls.lua).
if vim.g.loaded_promptls then
  return
end
vim.g.loaded_promptls = 1

local function command(name, method, opts)
  opts.desc = opts.desc or name
  vim.api.nvim_create_user_command(name, function(args)
    require("promptls.commands")[method](args)
  end, opts)
end

command("PromptlsRun", "run", { nargs = "*", desc = "promptls: run this prompt, stream the answer" })
command("PromptlsResolve", "resolve", { nargs = 0, desc = "promptls: which model runs this prompt, and why" })
command("PromptlsSetKey", "set_key", {
  nargs = "?",
  desc = "promptls: store a provider's API key in the OS keyring",
  complete = function(lead)
    return require("promptls.commands").complete_provider(lead)
  end,
})
command("PromptlsPin", "pin", {
  nargs = "?",
  desc = "promptls: pin a model for this prompt in promptls.toml",
  complete = function(lead)
    return require("promptls.commands").complete_model(lead)
  end,
})
