from residency_gateway.cli import main

raise SystemExit(main())
