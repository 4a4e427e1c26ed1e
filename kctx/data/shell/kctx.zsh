# kctx shell integration for zsh. Load it with:  eval "$(kctx init zsh)"
# Safe to load twice: PATH, hooks and traps are only added once.
typeset -ga __kctx_bin=(@KCTX_BIN@)
typeset -g __kctx_shim_dir=@KCTX_SHIM_DIR@

if [[ ":$PATH:" != *":$__kctx_shim_dir:"* ]]; then
  export PATH="$__kctx_shim_dir:$PATH"
fi

__kctx_sync() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  local __k __v
  while IFS='=' read -r __k __v; do
    case $__k in
      KUBECONFIG) export KUBECONFIG="$__v" ;;
      KCTX_CONTEXT) typeset -g KCTX_PROMPT_CONTEXT=$__v ;;
      KCTX_NAMESPACE) typeset -g KCTX_PROMPT_NAMESPACE=$__v ;;
      KCTX_PROTECTED) typeset -g KCTX_PROMPT_PROTECTED=$__v ;;
    esac
  done < "${KCTX_SESSION%.json}.env"
}

kctx() {
  local __rc
  "${__kctx_bin[@]}" "$@"
  __rc=$?
  __kctx_sync
  return $__rc
}

__kctx_precmd() {
  if [[ -n ${KCTX_SESSION-} ]]; then
    if [[ $KCTX_SESSION -nt ${KCTX_SESSION%.json}.env ]]; then
      "${__kctx_bin[@]}" session sync 2>/dev/null
    fi
    __kctx_sync
  fi
}

__kctx_exit() {
  [[ ${KCTX_SESSION_PID-} == "$$" ]] || return 0
  command rm -f -- "$KCTX_SESSION" "${KCTX_SESSION%.json}.env" "$KCTX_SESSION.lock" 2>/dev/null
}

if [[ -z ${KCTX_SESSION-} || ${KCTX_SESSION_PID-} != "$$" || ! -e ${KCTX_SESSION-} ]]; then
  if __kctx_s=$("${__kctx_bin[@]}" session start --pid "$$"); then
    export KCTX_SESSION=$__kctx_s KCTX_SESSION_PID=$$
  fi
  unset __kctx_s
fi
__kctx_sync

autoload -Uz add-zsh-hook
add-zsh-hook precmd __kctx_precmd
add-zsh-hook zshexit __kctx_exit
