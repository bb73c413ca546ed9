from conductatlas_cli.cli import main

main()
