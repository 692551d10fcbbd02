//! `gatehouse user …`: manage moderator and admin accounts from the shell.

use super::open_existing;
use crate::auth::{accounts, password, Role};
use crate::config::DatabaseArgs;
use crate::timestamps;
use std::io::{BufRead, IsTerminal};

/// Who the audit log names for changes made here.
const CLI_ACTOR: &str = "cli";

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account (asks for the password twice on the terminal, or reads it from stdin).
    #[command(after_help = "Examples:
  gatehouse user add jane --role moderator
  printf '%s\\n' \"$PASSWORD\" | gatehouse user add deploy-bot --role admin --password-stdin")]
    Add {
        /// The account's name: 3-64 letters, digits, '.', '_' or '-' (case-insensitive).
        username: String,
        /// moderator: works the queue, bans and the audit log; admin: also accounts and rules.
        #[arg(long, value_enum)]
        role: Role,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set a new password; the account's sessions end.
    #[command(after_help = "Example:\n  gatehouse user passwd jane")]
    Passwd {
        /// The account's name.
        username: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        /// The account's name.
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Re-enable a disabled account.
    Enable {
        /// The account's name.
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List accounts: name, role, active or disabled, and when each was created.
    #[command(
        after_help = "Example:\n  gatehouse user list --database-url sqlite:///var/lib/gatehouse/gatehouse.db"
    )]
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from stdin: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        // Without a terminal (a script, a pipe, a service) a prompt can only fail obscurely.
        let no_terminal = |detail: String| {
            format!("cannot ask for a password{detail}: give it on standard input with --password-stdin")
        };
        if !std::io::stdin().is_terminal() {
            return Err(no_terminal(" (standard input is not a terminal)".into()));
        }
        let prompt =
            |text| rpassword::prompt_password(text).map_err(|e| no_terminal(format!(" ({e})")));
        let first = prompt("Password: ")?;
        let again = prompt("Again: ")?;
        if first != again {
            return Err("the passwords differ".into());
        }
        first
    };
    password::check_policy(&password).map_err(|e| e.to_string())?;
    password::hash(&password).map_err(|e| e.to_string())
}

pub fn run(command: UserCommand) -> Result<(), String> {
    let err = |e: crate::auth::AuthError| e.to_string();
    match command {
        UserCommand::Add {
            username,
            role,
            password_stdin,
            database,
        } => {
            accounts::normalize_username(&username).map_err(err)?;
            let pool = open_existing(&database)?;
            let hash = read_password(password_stdin)?;
            let user = accounts::create(&pool, &username, hash, role, CLI_ACTOR, timestamps::now())
                .map_err(err)?;
            println!("created {} ({})", user.username, user.role.as_str());
        }
        UserCommand::Passwd {
            username,
            password_stdin,
            database,
        } => {
            let pool = open_existing(&database)?;
            let hash = read_password(password_stdin)?;
            let user =
                accounts::set_password(&pool, &username, &hash, CLI_ACTOR, timestamps::now())
                    .map_err(err)?;
            println!(
                "password changed for {}; their sessions have ended",
                user.username
            );
        }
        UserCommand::Disable { username, database } => set_disabled(&username, &database, true)?,
        UserCommand::Enable { username, database } => set_disabled(&username, &database, false)?,
        UserCommand::List { database } => {
            let pool = open_existing(&database)?;
            for user in accounts::list(&pool).map_err(err)? {
                println!(
                    "{:<24} {:<10} {:<9} created {}",
                    user.username,
                    user.role.as_str(),
                    if user.disabled { "disabled" } else { "active" },
                    timestamps::rfc3339(user.created_at)
                );
            }
        }
    }
    Ok(())
}

fn set_disabled(username: &str, database: &DatabaseArgs, disabled: bool) -> Result<(), String> {
    let pool = open_existing(database)?;
    let user = accounts::update(
        &pool,
        username,
        None,
        Some(disabled),
        CLI_ACTOR,
        timestamps::now(),
    )
    .map_err(|e| e.to_string())?;
    let state = if user.disabled {
        "disabled; their sessions have ended"
    } else {
        "enabled"
    };
    println!("{} is {state}", user.username);
    Ok(())
}
