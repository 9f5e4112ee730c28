"""The local 1159 Finance sandbox: the partner API of FINANCE1159-API.md over a SQLite file, plus
/_sandbox controls (clock, faults, agency mails). Start it with `server.run(...)` or `server.serve(...)`.

Modules: config (SandboxConfig), store (SQLite), clock, fees (RVG), ledger (bookings), views (JSON
objects), validation and bodies (request checks), api (/api/v1), simulation (days passing),
faults (injected failures), control and control_mail (/_sandbox), mails and statement (agency mails),
runtime (one running sandbox), app (create_app), server (uvicorn).
"""
