from kctx.cli import main

raise SystemExit(main())
