from ppml_cli.cli import main

main()
