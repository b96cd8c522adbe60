# bash completion for dlg(1)                                -*- shell-script -*-
# Install as .../bash-completion/completions/dlg, or source it from ~/.bashrc.

_dlg_commands="init clone import list search show log reply note assign close reopen tag user sync fsck gc reindex channel fetch chat send operator config template attachment emoji trigger help"

# The store the command line names: -C DIR, else $DLG_DIR, else the current
# directory or the nearest parent holding a store (as dlg finds it).
_dlg_store()
{
    if [[ -n $_dlg_dir ]]; then
        printf '%s\n' "$_dlg_dir"
        return
    fi
    if [[ -n $DLG_DIR ]]; then
        printf '%s\n' "$DLG_DIR"
        return
    fi
    local d=$PWD
    while [[ -n $d ]]; do
        if [[ -d $d/.git/dlg ]]; then
            printf '%s\n' "$d"
            return
        fi
        d=${d%/*}
    done
    [[ -d /.git/dlg ]] && printf '/\n'
}

# Runs dlg with the command line's -C; stdin is /dev/null so that commands
# reading ids from a pipe see none.
_dlg_run()
{
    "$_dlg_bin" ${_dlg_dir:+-C "$_dlg_dir"} "$@" </dev/null 2>/dev/null
}

# The contents of one derived file of every dialog (tags, assignee), unique.
_dlg_dialog_files()
{
    local store
    store=$(_dlg_store)
    [[ -n $store && -d $store/dialogs ]] || return
    find "$store/dialogs" -mindepth 4 -maxdepth 4 -type f -name "$1" \
        -exec cat {} + 2>/dev/null | sort -u
}

_dlg_tags()
{
    _dlg_dialog_files tags
}

_dlg_ids()
{
    _dlg_run list -q --status all
}

# Addresses and handles of users, from their cards.
_dlg_users()
{
    local store
    store=$(_dlg_store)
    [[ -n $store && -d $store/users ]] || return
    find "$store/users" -mindepth 4 -maxdepth 4 -type f -name card \
        -exec sed -n -e 's/^email: //p' -e 's/^telegram: /telegram:/p' \
            -e 's/^vk: /vk:/p' -e 's/^facebook: /facebook:/p' -e 's/^chat: /chat:/p' \
            {} + 2>/dev/null |
        sort -u
}

# The names of the channels in the store's config (channel.NAME.type=...).
_dlg_channels()
{
    local store
    store=$(_dlg_store)
    [[ -n $store && -f $store/config ]] || return
    sed -n 's/^channel\.\([^.]*\)\.type=.*/\1/p' "$store/config" 2>/dev/null | sort -u
}

# The operators: the directories under operators/ (not .last), and me.
_dlg_operator_names()
{
    local store
    store=$(_dlg_store)
    printf 'me\n'
    [[ -n $store && -d $store/operators ]] || return
    find "$store/operators" -mindepth 1 -maxdepth 1 -type d ! -name '.*' \
        2>/dev/null | sed 's|.*/||' | sort -u
}

# The names of the saved replies (templates/NAME).
_dlg_templates()
{
    local store
    store=$(_dlg_store)
    [[ -n $store && -d $store/templates ]] || return
    find "$store/templates" -mindepth 1 -maxdepth 1 -type f ! -name '.*' \
        2>/dev/null | sed 's|.*/||' | sort -u
}

# The keys of the store's config (KEY=VALUE lines), and assign.mode[.CHANNEL].
_dlg_config_keys()
{
    local store
    store=$(_dlg_store)
    {
        printf 'assign.mode\nassign.mode.\n'
        [[ -n $store && -f $store/config ]] &&
            sed -n 's/^\([^=]*\)=.*/\1/p' "$store/config" 2>/dev/null
    } | sort -u
}

# The channels dialogs come through, as list shows them.
_dlg_dialog_channels=$'email\nchat\npopup\ntelegram\nvk\nfacebook'

_dlg_refs()
{
    local store
    store=$(_dlg_store)
    [[ -n $store ]] || return
    git -C "$store" for-each-ref --format='%(refname:short)' \
        refs/remotes refs/heads 2>/dev/null
}

# dlg sync's arguments: the store's remotes, then refs to merge.
_dlg_remotes_and_refs()
{
    local store
    store=$(_dlg_store)
    [[ -n $store ]] || return
    git -C "$store" remote 2>/dev/null
    _dlg_refs
}

# COMPREPLY from a word list, one word per line (words may hold spaces).
_dlg_reply()
{
    local IFS=$'\n'
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# A :shortcode: (dlg emoji -q) when the word being completed starts with a
# colon, or its last part after a space does ("hello :smi).  The word is taken
# from COMP_LINE, as bash makes a word of its own of a colon in
# COMP_WORDBREAKS; what readline replaces is the text after that colon, or
# all the text after an opening quote.
_dlg_emoji()
{
    local w=${COMP_LINE:0:COMP_POINT} keep='' strip='' i
    w=${w##*[[:space:]]}
    [[ $w == :* ]] || return 1
    if [[ $cur == [\"\']* ]]; then
        keep=${cur:1}
        keep=${keep%"$w"}
    elif [[ $COMP_WORDBREAKS == *:* ]]; then
        strip=${w%"${w##*:}"}
    fi
    local IFS=$'\n'
    mapfile -t COMPREPLY < <(compgen -W "$(_dlg_run emoji -q)" -- "$w")
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]=$keep${COMPREPLY[i]#"$strip"}
    done
    return 0
}

_dlg_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_dlg_dirs()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}

_dlg()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=''
    local _dlg_dir='' _dlg_bin=dlg
    local i=1 cmd='' ci=0
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    # --status=open: bash splits the = into a word of its own.
    if [[ $cur == = ]]; then
        cur=''
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    # The dlg that is being completed (./dlg, ~/bin/dlg), if it runs.
    local b=${COMP_WORDS[0]/#\~/$HOME}
    [[ $b == */* && -x $b ]] && _dlg_bin=$b

    # Global options, then the command.
    while ((i < COMP_CWORD)); do
        case ${COMP_WORDS[i]} in
        -C)
            _dlg_dir=${COMP_WORDS[i + 1]/#\~/$HOME}
            ((i += 2))
            ;;
        -C*)
            _dlg_dir=${COMP_WORDS[i]#-C}
            _dlg_dir=${_dlg_dir/#\~/$HOME}
            ((i++))
            ;;
        -*)
            ((i++))
            ;;
        *)
            cmd=${COMP_WORDS[i]}
            ci=$i
            break
            ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $prev == -C ]]; then
            _dlg_dirs
        elif [[ $cur == -* ]]; then
            _dlg_reply $'-C\n--version\n--help'
        else
            _dlg_reply "${_dlg_commands// /$'\n'}"
        fi
        return 0
    fi

    # Words after the command that are not options: the positional arguments.
    local args=() j
    for ((j = ci + 1; j < COMP_CWORD; j++)); do
        case ${COMP_WORDS[j]} in
        -m | -F | -a | -c | -w | --message | --file | --attach | --channel | --status | \
        --assignee | --tag | --user | --since | --until | --wait | --type | --api-url | \
        --sort | --limit | --last | --color | \
        --token-file | --password-file | --group-id | --page-id | --imap | --smtp | \
        --address | --spool | --timeout | -t | --template | -o | --output | --email | \
        --users-from | --visitor-rate | --address-rate | --address-connections | --listen)
            ((j++))
            ;;
        -*) ;;
        *) args+=("${COMP_WORDS[j]}") ;;
        esac
    done

    # :shortcodes: in the texts of reply, note, template add and user note.
    case $cmd in
    reply | note) _dlg_emoji && return 0 ;;
    template | user)
        if ((COMP_CWORD > ci + 1)); then
            case $cmd/${COMP_WORDS[ci + 1]} in
            template/add | user/note) _dlg_emoji && return 0 ;;
            esac
        fi
        ;;
    esac

    case $cmd in
    init)
        if [[ $cur == -* ]]; then
            _dlg_reply $'-q\n--quiet\n--hub\n--help'
        else
            _dlg_dirs
        fi
        ;;
    clone)
        if [[ $cur == -* ]]; then
            _dlg_reply $'-q\n--quiet\n--help'
        else
            _dlg_dirs
        fi
        ;;
    import)
        case $prev in
        -c | --channel) _dlg_reply "$_dlg_dialog_channels"$'\n'"$(_dlg_channels)" ;;
        *)
            if [[ $cur == -* ]]; then
                _dlg_reply $'-c\n--channel\n-j\n--json\n-q\n--quiet\n--help'
            else
                _dlg_files
            fi
            ;;
        esac
        ;;
    list | search)
        case $prev in
        --status) _dlg_reply $'open\nclosed\nall' ;;
        --assignee) _dlg_reply "$( (printf 'none\n'; _dlg_operator_names; _dlg_dialog_files assignee) | sort -u)" ;;
        --tag)
            if [[ $cur == -* ]]; then
                _dlg_reply "$(_dlg_tags | sed 's/^/-/')"
            elif [[ $cur == +* ]]; then
                _dlg_reply "$(_dlg_tags | sed 's/^/+/')"
            else
                _dlg_reply "$(_dlg_tags)"
            fi
            ;;
        --user) _dlg_reply "$(_dlg_users)" ;;
        --channel) _dlg_reply "$_dlg_dialog_channels"$'\n'"$(_dlg_channels)" ;;
        --since | --until) _dlg_reply $'today\nyesterday' ;;
        --sort) _dlg_reply $'oldest\nnewest' ;;
        --limit) ;;
        --color) _dlg_reply $'auto\nalways\nnever' ;;
        *)
            if [[ $cur == -* || $cmd == list ]]; then
                _dlg_reply $'--status\n--assignee\n--tag\n--channel\n--user\n--since\n--until\n--waiting\n--changed-since\n--sort\n--limit\n-q\n--quiet\n--json\n--color\n--help'
            else # the query's fields
                _dlg_reply $'from:\nto:\nsubject:\nbody:\nnote:\nuser:\nfile:\ntag:\nchannel:\nstatus:\nassignee:\nafter:\nbefore:'
                compopt -o nospace 2>/dev/null
            fi
            ;;
        esac
        ;;
    log)
        if [[ $cur == -* ]]; then
            _dlg_reply $'--json\n--help'
        elif ((${#args[@]} == 0)); then
            _dlg_reply "$(_dlg_ids)"
        fi
        ;;
    show | close | reopen)
        if [[ $cmd == show && $prev == --color ]]; then
            _dlg_reply $'auto\nalways\nnever'
        elif [[ $cmd == show && $prev == --last ]]; then
            :
        elif [[ $cur == -* ]]; then
            if [[ $cmd == show ]]; then
                _dlg_reply $'--last\n--color\n--json\n--help'
            else
                _dlg_reply $'-q\n--quiet\n--help'
            fi
        else
            _dlg_reply "$(_dlg_ids)"
        fi
        ;;
    reply | note)
        case $prev in
        -F | --file | -a | --attach) _dlg_files ;;
        -m | --message) ;;
        -t | --template) [[ $cmd == reply ]] && _dlg_reply "$(_dlg_templates)" ;;
        *)
            if [[ $cur == -* ]]; then
                if [[ $cmd == reply ]]; then
                    _dlg_reply $'-m\n--message\n-F\n--file\n-t\n--template\n--no-edit\n-a\n--attach\n-s\n--send\n-q\n--quiet\n--help'
                else
                    _dlg_reply $'-m\n--message\n-F\n--file\n-q\n--quiet\n--help'
                fi
            elif ((${#args[@]} == 0)); then
                _dlg_reply "$(_dlg_ids)"
            fi
            ;;
        esac
        ;;
    assign)
        local none=0 w
        for w in "${COMP_WORDS[@]:ci+1:COMP_CWORD-ci-1}"; do
            [[ $w == --none ]] && none=1
        done
        if [[ $cur == -* ]]; then
            ((${#args[@]} == 0)) && _dlg_reply $'--none\n--force\n-q\n--quiet\n--help'
        elif ((none == 0 && ${#args[@]} == 0)); then
            _dlg_reply "$( (_dlg_operator_names; _dlg_dialog_files assignee) | sort -u)"
        else
            _dlg_reply "$(_dlg_ids)"
        fi
        ;;
    tag)
        local w dashdash=0 ops=0
        for w in "${COMP_WORDS[@]:ci+1:COMP_CWORD-ci-1}"; do
            if ((dashdash)); then
                continue
            elif [[ $w == -- ]]; then
                dashdash=1
            elif [[ $w == [+-]* ]]; then
                ops=1
            fi
        done
        if ((dashdash)); then
            _dlg_reply "$(_dlg_ids)"
        elif [[ $cur == +* ]]; then
            _dlg_reply "$(_dlg_tags | sed 's/^/+/')"
        elif [[ $cur == --* ]]; then
            if ((ops)); then
                _dlg_reply $'--\n--quiet\n--help'
            else
                _dlg_reply $'--\n--list\n--quiet\n--help'
            fi
        elif [[ $cur == -* ]]; then
            _dlg_reply "$(_dlg_tags | sed 's/^/-/'; echo -q)"
        elif ((ops)); then
            _dlg_reply "$(_dlg_ids)"
        else
            _dlg_reply $'+\n-'
            compopt -o nospace 2>/dev/null
        fi
        ;;
    user)
        if ((COMP_CWORD == ci + 1)); then
            if [[ $cur == -* ]]; then
                _dlg_reply --help
            else
                _dlg_reply $'show\nset\nnote\nimport\nmerge'
            fi
            return 0
        fi
        local sub=${COMP_WORDS[ci + 1]}
        case $prev in
        -F | --file) _dlg_files; return 0 ;;
        -m | --message) return 0 ;;
        esac
        # args[0] is the subcommand itself.
        if [[ $cur == -* ]]; then
            case $sub in
            show) _dlg_reply $'--json\n--help' ;;
            note) _dlg_reply $'-m\n--message\n-F\n--file\n--help' ;;
            import) _dlg_reply $'-q\n--quiet\n--help' ;;
            *) _dlg_reply --help ;;
            esac
        elif [[ $sub == import ]]; then
            # JSON Lines on stdin: no arguments.
            :
        elif ((${#args[@]} == 1)); then
            _dlg_reply "$(_dlg_users)"
        elif [[ $sub == set ]]; then
            _dlg_reply 'name='
            compopt -o nospace 2>/dev/null
        elif [[ $sub == merge ]] && ((${#args[@]} == 2)); then
            # KEEP OTHER: the user merged into the first.
            _dlg_reply "$(_dlg_users)"
        fi
        ;;
    sync)
        if [[ $cur == -* ]]; then
            _dlg_reply $'-q\n--quiet\n--json\n--help'
        else
            _dlg_reply "$(_dlg_remotes_and_refs)"
        fi
        ;;
    fsck)
        _dlg_reply $'--repair\n--help'
        ;;
    gc)
        _dlg_reply $'--auto\n--prune\n--quiet\n--help'
        ;;
    reindex)
        _dlg_reply $'--quiet\n--help'
        ;;
    channel)
        if ((COMP_CWORD == ci + 1)); then
            if [[ $cur == -* ]]; then
                _dlg_reply --help
            else
                _dlg_reply $'add\nlist\nrm'
            fi
            return 0
        fi
        local sub=${COMP_WORDS[ci + 1]}
        # args[0] is the subcommand itself.
        case $sub in
        add)
            case $prev in
            --type) _dlg_reply $'email\ntelegram\nvk\nfacebook\nchat' ;;
            --token-file | --password-file) _dlg_files ;;
            --spool) _dlg_dirs ;;
            --api-url | --group-id | --page-id | --imap | --smtp | --user | --address | \
            --timeout | --visitor-rate | --address-rate | --address-connections) ;;
            *)
                if [[ $cur == -* ]]; then
                    _dlg_reply $'--type\n--api-url\n--token-file\n--password-file\n--group-id\n--page-id\n--imap\n--smtp\n--user\n--address\n--spool\n--timeout\n--visitor-rate\n--address-rate\n--address-connections\n--help'
                elif ((${#args[@]} == 1)); then
                    # A new name, or one to change the settings of.
                    _dlg_reply "$(_dlg_channels)"
                fi
                ;;
            esac
            ;;
        list)
            ((${#args[@]} == 1)) && [[ $cur == -* ]] && _dlg_reply --json
            ;;
        rm)
            ((${#args[@]} == 1)) && _dlg_reply "$(_dlg_channels)"
            ;;
        esac
        ;;
    chat)
        if ((COMP_CWORD == ci + 1)); then
            [[ $cur == -* ]] && _dlg_reply --help || _dlg_reply serve
            return 0
        fi
        case $prev in
        --channel) _dlg_reply "$(_dlg_channels)" ;;
        --listen) ;;
        *) [[ $cur == -* ]] && _dlg_reply $'--channel\n--listen\n--trust-proxy\n--help' ;;
        esac
        ;;
    fetch)
        case $prev in
        -w | --wait) ;;
        *)
            if [[ $cur == -* ]]; then
                _dlg_reply $'-q\n--quiet\n-w\n--wait\n--help'
            else
                _dlg_reply "$(_dlg_channels)"
            fi
            ;;
        esac
        ;;
    send)
        if [[ $cur == -* ]]; then
            _dlg_reply $'-q\n--quiet\n-f\n--force\n--retry\n--help'
        else
            _dlg_reply "$(_dlg_ids)"
        fi
        ;;
    operator)
        if ((COMP_CWORD == ci + 1)); then
            if [[ $cur == -* ]]; then
                _dlg_reply --help
            else
                _dlg_reply $'add\nlist\naway\nback\nrm'
            fi
            return 0
        fi
        local sub=${COMP_WORDS[ci + 1]}
        # args[0] is the subcommand itself.
        case $sub in
        add)
            # NAME is a new one; ADDR anything.
            [[ $prev != --email && $cur == -* ]] && _dlg_reply $'--email\n--help'
            ;;
        list)
            ((${#args[@]} == 1)) && [[ $cur == -* ]] && _dlg_reply $'--json\n--dialogs'
            ;;
        away | back | rm)
            ((${#args[@]} == 1)) && _dlg_reply "$(_dlg_operator_names)"
            ;;
        esac
        ;;
    config)
        local w unset=0 list=0
        for w in "${COMP_WORDS[@]:ci+1:COMP_CWORD-ci-1}"; do
            [[ $w == --unset ]] && unset=1
            [[ $w == --list ]] && list=1
        done
        if ((list)); then
            :
        elif [[ $cur == -* ]]; then
            ((unset == 0 && ${#args[@]} == 0)) && _dlg_reply $'--unset\n--list\n--help'
        elif ((${#args[@]} == 0)); then
            _dlg_reply "$(_dlg_config_keys)"
            # assign.mode.CHANNEL: the channel is still to be typed.
            ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *. ]] &&
                compopt -o nospace 2>/dev/null
        elif ((unset == 0 && ${#args[@]} == 1)); then
            case ${args[0]} in
            assign.mode | assign.mode.*) _dlg_reply $'off\nround-robin\nleast-open' ;;
            esac
        fi
        ;;
    template)
        if ((COMP_CWORD == ci + 1)); then
            if [[ $cur == -* ]]; then
                _dlg_reply --help
            else
                _dlg_reply $'add\nlist\nshow\nrm'
            fi
            return 0
        fi
        local sub=${COMP_WORDS[ci + 1]}
        # args[0] is the subcommand itself.
        case $sub in
        add)
            case $prev in
            -F | --file) _dlg_files ;;
            -m | --message) ;;
            *)
                if [[ $cur == -* ]]; then
                    _dlg_reply $'-m\n--message\n-F\n--file\n--help'
                elif ((${#args[@]} == 1)); then
                    # A new name, or one to change the text of.
                    _dlg_reply "$(_dlg_templates)"
                fi
                ;;
            esac
            ;;
        show | rm)
            ((${#args[@]} == 1)) && _dlg_reply "$(_dlg_templates)"
            ;;
        esac
        ;;
    attachment)
        case $prev in
        -o | --output) _dlg_files ;;
        *)
            if [[ $cur == -* ]]; then
                _dlg_reply $'--json\n-o\n--output\n-f\n--force\n--help'
            elif ((${#args[@]} == 0)); then
                _dlg_reply "$(_dlg_ids)"
            elif ((${#args[@]} == 1)); then
                # N: the first column of the dialog's list of attachments.
                _dlg_reply "$(_dlg_run attachment "${args[0]}" | cut -f1)"
            fi
            ;;
        esac
        ;;
    emoji)
        [[ $cur == -* ]] && _dlg_reply $'-q\n--quiet\n--help'
        ;;
    trigger)
        case $prev in
        --user) _dlg_reply "$(_dlg_users)" ;;
        --users-from | -F | --file) _dlg_files ;;
        --channel) _dlg_reply "$(_dlg_channels)" ;;
        -t | --template) _dlg_reply "$(_dlg_templates)" ;;
        -m | --message | --page | --until | --withdraw) ;;
        *)
            _dlg_reply $'--user\n--users-from\n--channel\n-m\n--message\n-F\n--file\n-t\n--template\n--popup\n--page\n--until\n--withdraw\n--send\n-q\n--quiet\n--help'
            ;;
        esac
        ;;
    help)
        if [[ $cur == -* ]]; then
            ((${#args[@]} == 0)) && _dlg_reply --help
        elif ((${#args[@]} == 0)); then
            _dlg_reply "${_dlg_commands// /$'\n'}"
        fi
        ;;
    esac
    return 0
}

complete -F _dlg dlg
