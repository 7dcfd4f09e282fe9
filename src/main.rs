fn main() -> std::process::ExitCode {
    // Behave like a Unix tool when piped into `head`: exit quietly on a closed pipe instead of panicking.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    outfit_studio::cli::main()
}
