# kctx shell integration for fish. Load it with:  kctx init fish | source
# Safe to load twice: PATH and event handlers are only added once.
set -g __kctx_bin @KCTX_BIN@
set -g __kctx_shim_dir @KCTX_SHIM_DIR@

if not contains -- $__kctx_shim_dir $PATH
    set -gx PATH $__kctx_shim_dir $PATH
end

function __kctx_sync
    test -n "$KCTX_SESSION"; or return 0
    set -l envf (string replace -r '\.json$' '.env' -- $KCTX_SESSION)
    test -r $envf; or return 0
    while read -l line
        set -l kv (string split -m 1 '=' -- $line)
        switch $kv[1]
            case KUBECONFIG
                set -gx KUBECONFIG $kv[2]
            case KCTX_CONTEXT
                set -g KCTX_PROMPT_CONTEXT $kv[2]
            case KCTX_NAMESPACE
                set -g KCTX_PROMPT_NAMESPACE $kv[2]
            case KCTX_PROTECTED
                set -g KCTX_PROMPT_PROTECTED $kv[2]
        end
    end <$envf
end

function kctx --wraps kctx
    $__kctx_bin $argv
    set -l rc $status
    __kctx_sync
    return $rc
end

function __kctx_prompt --on-event fish_prompt
    test -n "$KCTX_SESSION"; or return 0
    set -l envf (string replace -r '\.json$' '.env' -- $KCTX_SESSION)
    if test $KCTX_SESSION -nt $envf
        $__kctx_bin session sync 2>/dev/null
    end
    __kctx_sync
end

function __kctx_exit --on-event fish_exit
    test "$KCTX_SESSION_PID" = "$fish_pid"; or return 0
    command rm -f -- $KCTX_SESSION (string replace -r '\.json$' '.env' -- $KCTX_SESSION) $KCTX_SESSION.lock
end

if test -z "$KCTX_SESSION"; or test "$KCTX_SESSION_PID" != "$fish_pid"; or not test -e "$KCTX_SESSION"
    set -l s ($__kctx_bin session start --pid $fish_pid)
    and set -gx KCTX_SESSION $s
    and set -gx KCTX_SESSION_PID $fish_pid
end
__kctx_sync
