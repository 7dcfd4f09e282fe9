fn main() -> std::process::ExitCode {
    outfit_studio::cli::main()
}
