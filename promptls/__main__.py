from promptls.cli import main

raise SystemExit(main())
