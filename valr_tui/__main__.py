from valr_tui.cli import main

raise SystemExit(main())
