from ouvert.cli import main

main()
