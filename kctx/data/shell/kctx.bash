# kctx shell integration for bash. Load it with:  eval "$(kctx init bash)"
# Safe to load twice: PATH, PROMPT_COMMAND and traps are only added once.
__kctx_bin=(@KCTX_BIN@)
__kctx_shim_dir=@KCTX_SHIM_DIR@

# The shim directory goes first on PATH so scripts, xargs and make reach the guard too.
case ":$PATH:" in
  *":$__kctx_shim_dir:"*) ;;
  *) PATH="$__kctx_shim_dir:$PATH" ;;
esac
export PATH

# Read the session's .env with built-ins only (no fork): KUBECONFIG and the prompt values.
__kctx_sync() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  local __k __v
  while IFS='=' read -r __k __v; do
    case $__k in
      KUBECONFIG) export KUBECONFIG="$__v" ;;
      KCTX_CONTEXT) KCTX_PROMPT_CONTEXT=$__v ;;
      KCTX_NAMESPACE) KCTX_PROMPT_NAMESPACE=$__v ;;
      KCTX_PROTECTED) KCTX_PROMPT_PROTECTED=$__v ;;
    esac
  done < "${KCTX_SESSION%.json}.env"
}

# `use`, `ns` and `ctx` change this shell's session; pick the change up right away.
kctx() {
  local __rc
  "${__kctx_bin[@]}" "$@"
  __rc=$?
  __kctx_sync
  return $__rc
}

__kctx_prompt_hook() {
  local __rc=$?
  if [[ -n ${KCTX_SESSION-} ]]; then
    # kubectl itself rewrote the session file (e.g. `kubectl config set-context --current`): re-derive.
    if [[ $KCTX_SESSION -nt ${KCTX_SESSION%.json}.env ]]; then
      "${__kctx_bin[@]}" session sync 2>/dev/null
    fi
    __kctx_sync
  fi
  return $__rc
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

if [[ ${PROMPT_COMMAND[*]-} != *__kctx_prompt_hook* ]]; then
  PROMPT_COMMAND="__kctx_prompt_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi
if [[ $(trap -p EXIT) != *__kctx_exit* ]]; then
  __kctx_prev_exit=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  trap "__kctx_exit${__kctx_prev_exit:+;$__kctx_prev_exit}" EXIT
  unset __kctx_prev_exit
fi
