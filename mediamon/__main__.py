from mediamon.cli import main

main()
