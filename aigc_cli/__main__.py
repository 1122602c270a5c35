from aigc_cli.cli.main import main

main()
