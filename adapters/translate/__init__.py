"""Wire-format translation for the proxy: Anthropic's Messages format is the lingua franca.

One module per target (to_anthropic: pass-through; to_openai; to_gemini; to_ollama), what they
share (blocks, schema, events, call), the driver (stream), the fallback runner (run), the proxy's
OpenAI endpoint (front_openai) and the error shapes (errors). The public surface is
`promptls.adapters.messages`.
"""
