# fish completion for kctx. `kctx init fish` puts this folder on fish_complete_path, so fish loads it at
# the first <Tab> after `kctx`; on its own: kctx completion fish | source. The candidates come from
# `kctx completion candidates`, which knows every command and its arguments.

function __kctx_cmd --description 'the kctx command: the init fast launcher when there is one'
    if set -q __kctx_bin
        $__kctx_bin $argv
    else
        command kctx $argv
    end
end

function __kctx_candidates --description 'complete kctx arguments'
    set -l typed (commandline -opc) (commandline -ct)
    set -l out (__kctx_cmd completion candidates -- $typed[2..-1] 2>/dev/null)
    or return
    switch "$out[1]"
        case files
            __fish_complete_path (commandline -ct)
        case dirs
            __fish_complete_directories (commandline -ct)
        case '*'
            string join \n -- $out[2..-1]
    end
end

complete -c kctx -f -a '(__kctx_candidates)'
