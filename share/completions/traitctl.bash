# bash completion for traitctl                                -*- shell-script -*-
# Installed as share/bash-completion/completions/traitctl; to try it from a
# checkout: source share/completions/traitctl.bash

_traitctl() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion || return
    else
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="submit run retry resubmit status describe logs report cleanup validate cap"
    local global="-h --help --version -v --verbose -q --quiet --color"
    local batch="--prefix --project --traits --env-file --runai --runai-timeout --state-dir --json"
    local policy="--max-retries --retry-delay --max-delay --retry-exit-code --mount-failure-pattern"
    local supervision="--max-concurrent --poll-interval --lock-timeout --dry-run -y --yes"

    # The subcommand: the first word that is one of ours.
    local command="" i
    for ((i = 1; i < cword; i++)); do
        case " $commands " in
            *" ${words[i]} "*) command=${words[i]}; break ;;
        esac
    done

    # Options that take a value.
    case $prev in
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "html markdown junit json" -- "$cur")); return ;;
        -o | --output) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        --backend) COMPREPLY=($(compgen -W "runai local" -- "$cur")); return ;;
        --env-file) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        --state-dir) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        --runai) COMPREPLY=($(compgen -c -- "$cur")); return ;;
        --traits) COMPREPLY=($(compgen -W "2-187" -- "$cur")); return ;;
        --max-retries) COMPREPLY=($(compgen -W "1 2 3 4 5 6 7 8 9 10" -- "$cur")); return ;;
        --state) COMPREPLY=($(compgen -W "pending running other-active completed failed stopped not-submitted out-of-retries incomplete retryable backoff resubmission-pending" -- "$cur")); return ;;
        --retry-exit-code) COMPREPLY=($(compgen -W "2" -- "$cur")); return ;;
        --prefix | --project | --runai-timeout | --max-concurrent | --poll-interval | --parallel | \
            --retry-delay | --max-delay | --mount-failure-pattern | --lock-timeout | --job-timeout | \
            --interval | --attempt | --tail)
            return ;;
    esac

    # After `--` (run's job command): complete files and commands.
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
            return
        fi
    done

    local options
    case $command in
        "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
        submit) options="$batch --max-concurrent --poll-interval --parallel --lock-timeout --dry-run -y --yes" ;;
        run) options="$batch $policy $supervision --backend --job-timeout" ;;
        retry) options="$batch $policy $supervision --watch --no-wait --backend" ;;
        resubmit) options="$batch $supervision --failed" ;;
        status) options="$batch --all --failed --state --no-classify --watch --interval --backend" ;;
        describe) options="${batch/--traits /} --backend" ;;
        logs) options="--prefix --project --env-file --runai --runai-timeout --state-dir --attempt --tail -f --follow --backend" ;;
        report) options="$batch --format -o --output --backend" ;;
        cleanup) options="$batch --failed --completed --stopped --include-active --lock-timeout --dry-run -y --yes --backend" ;;
        validate) options="$batch" ;;
        cap) options="${batch/--traits /} --reset" ;;
    esac
    COMPREPLY=($(compgen -W "$options $global" -- "$cur"))
}
complete -F _traitctl traitctl
