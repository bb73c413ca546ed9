from conductatlas_cli.cli import main

# The guard matters: extraction workers (page.PageProcessor) import this module again.
if __name__ == "__main__":
    main()
