from kroll.cli.main import main

main()
