// Accounts and groups every machine or CI runner has (root, ubuntu, runner, www-data, wheel …):
// they name no one. The guard never takes them for this machine's identifiers (guard.ts), and
// the rules never replace them where a user or host name stands ("run as root", rules.ts).
export const GENERIC_ACCOUNTS: ReadonlySet<string> = new Set(
  [
    // administrators and nobody
    "root admin administrator nobody daemon guest system",
    // groups
    "staff wheel users sudo adm docker",
    // images' and CI runners' default users
    "ubuntu debian centos fedora alpine core ec2-user vagrant runner builder codespace vscode",
    "jenkins gitlab-runner circleci travis",
    // services
    "www-data postgres mysql git",
  ]
    .join(" ")
    .split(" "),
);
