# bash completion for kctx. Loaded by `kctx init bash`; on its own: eval "$(kctx completion bash)".
# The candidates come from `kctx completion candidates`, which knows every command and its arguments,
# so this file stays the same when commands change.

__kctx_cmd() {  # the kctx command: the init's fast launcher when there is one
  if declare -p __kctx_bin &>/dev/null; then "${__kctx_bin[@]}" "$@"; else command kctx "$@"; fi
}

# $@: words to put before the typed ones (the kubectx short name completes like `kctx ctx`).
__kctx_complete_as() {
  local line=${COMP_LINE:0:COMP_POINT} word=${COMP_WORDS[COMP_CWORD]-} cur out prefix directive c
  local -a args lines
  # Split the line ourselves: bash breaks words at ':' and '=', and context names hold them (EKS ARNs).
  read -ra args <<<"$line"
  [[ -z $line || $line == *[[:space:]] ]] && args+=("")
  cur=${args[${#args[@]}-1]}
  out=$(__kctx_cmd completion candidates -- "$@" "${args[@]:1}" 2>/dev/null) || return 0
  mapfile -t lines <<<"$out"
  directive=${lines[0]-}
  case $directive in
    files) compopt -o default 2>/dev/null; COMPREPLY=(); return 0 ;;
    dirs) compopt -o dirnames 2>/dev/null; COMPREPLY=(); return 0 ;;
  esac
  # bash replaces only the part after its last word break; drop what it keeps from each candidate.
  prefix=
  [[ $cur == *"$word" ]] && prefix=${cur%"$word"}
  COMPREPLY=()
  for c in "${lines[@]:1}"; do
    [[ -n $c ]] || continue
    c=${c%%$'\t'*}
    COMPREPLY+=("${c#"$prefix"}")
  done
}
__kctx_complete() { __kctx_complete_as; }
__kctx_complete_kubectx() { __kctx_complete_as ctx; }
__kctx_complete_kubens() { __kctx_complete_as ns; }
complete -F __kctx_complete kctx
