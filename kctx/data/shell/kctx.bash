# kctx shell integration for bash (4.4+). Load it with:  eval "$(kctx init bash)"
# Safe to load twice: PATH, PROMPT_COMMAND, PS1, completions and traps are only changed once.
# Prompt settings (read at every prompt): KCTX_PROMPT=on|off, KCTX_PROMPT_FORMAT, KCTX_PROMPT_SYMBOL,
# KCTX_PROMPT_COLOR, KCTX_PROMPT_COLOR_PROTECTED, KCTX_PROMPT_COLORS, KCTX_PROMPT_OVERRIDE_MARK,
# KCTX_PROMPT_EXPIRED_MARK, NO_COLOR.
# KCTX_PROMPT_AUTO=0 keeps PS1 alone; KCTX_ALIASES=1 (or "k kubectx kubens") adds the short names.
__kctx_bin=(@KCTX_BIN@)
__kctx_shim_dir=@KCTX_SHIM_DIR@

# The shim directory goes first on PATH so scripts, xargs and make reach the guard too.
case ":$PATH:" in
  *":$__kctx_shim_dir:"*) ;;
  *) PATH="$__kctx_shim_dir:$PATH" ;;
esac
export PATH

# --- session state --------------------------------------------------------------------------------
# The prompt must cost nothing when nothing changed, so an unchanged prompt only compares file times
# with built-ins: every file the state depends on against a stamp file touched (with a redirection, no
# fork) before the state was last read. `-nt` compares nanoseconds; a tie counts as changed.
__kctx_deps=()
__kctx_stale=0
__kctx_format_default='{symbol} {context}:{namespace}{override}{unlock}'

# Read the session's .env (KUBECONFIG and the prompt values) with built-ins only.
__kctx_sync() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  local __k __v
  __kctx_deps=()
  __kctx_expires=
  while IFS='=' read -r __k __v; do
    case $__k in
      KUBECONFIG)
        export KUBECONFIG="$__v"
        __v+=:
        while [[ -n $__v ]]; do
          [[ -n ${__v%%:*} ]] && __kctx_deps+=("${__v%%:*}")
          __v=${__v#*:}
        done ;;
      KCTX_CONTEXT) export KCTX_PROMPT_CONTEXT="$__v" ;;
      KCTX_NAMESPACE) export KCTX_PROMPT_NAMESPACE="$__v" ;;
      KCTX_PROTECTED) export KCTX_PROMPT_PROTECTED="$__v" ;;
      KCTX_EXPIRES) __kctx_expires=${__v//[!0-9]/} ;;
      KCTX_CONTEXT_FILE) [[ -n $__v && " ${__kctx_deps[*]} " != *" $__v "* ]] && __kctx_deps+=("$__v") ;;
    esac
  done < "${KCTX_SESSION%.json}.env"
  # The protection rules can change what the prompt shows, too.
  if [[ -n ${KCTX_CONFIG-} ]]; then
    __kctx_deps+=("${KCTX_CONFIG/#\~/$HOME}")
  elif [[ ${XDG_CONFIG_HOME-} == /* ]]; then
    __kctx_deps+=("$XDG_CONFIG_HOME/kctx/config.yaml")
  else
    __kctx_deps+=("$HOME/.config/kctx/config.yaml")
  fi
}

# True when a file the state depends on may have changed since the stamp was touched.
__kctx_changed() {
  local __f
  for __f in "${__kctx_deps[@]}"; do
    [[ ${KCTX_SESSION%.json}.seen -nt $__f ]] || return 0
  done
  return 1
}

# Bring the state up to date. Forks only when a file changed behind kctx's back (kubectl wrote the
# session, a kubeconfig or the config was edited); when kctx itself wrote the .env, reading it is enough.
__kctx_refresh() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  __kctx_changed || return 0
  if [[ ! -e $KCTX_SESSION ]]; then
    # Removed under us (e.g. $XDG_RUNTIME_DIR goes at logout while tmux lives on): never show a
    # context kubectl no longer uses; start over from the kubeconfig, and say so.
    printf 'kctx: this shell'"'"'s session %s is gone; starting a new one\n' "$KCTX_SESSION" >&2
    __kctx_start || { unset KCTX_SESSION; KCTX_PROMPT_CONTEXT=; return 0; }
    __kctx_sync
  fi
  local __env=${KCTX_SESSION%.json}.env __stamp=${KCTX_SESSION%.json}.seen __f __sync=0
  : >|"$__stamp" 2>/dev/null  # before reading: a change made while we read is seen next time
  for __f in "${__kctx_deps[@]}"; do
    if [[ $__f -nt $__stamp ]]; then
      # Dated in the future (clock skew): it cannot be ordered; its next write resets its time.
      if [[ " ${__kctx_future-} " != *" $__f "* ]]; then
        __kctx_future+=" $__f"
        printf 'kctx: %s has a modification time in the future; %s\n' "$__f" \
          "the prompt follows it again once it is rewritten" >&2
      fi
    elif [[ $__f -nt $__env ]]; then
      __sync=1
    fi
  done
  if (( __sync )); then
    if "${__kctx_bin[@]}" session sync; then __kctx_stale=0; else __kctx_stale=1; fi
  fi
  __kctx_sync
}

# --- prompt segment ---------------------------------------------------------------------------------
# Colour name or 0-255 -> SGR parameters (in REPLY); unknown names give no colour.
__kctx_sgr() {
  case $1 in
    black) REPLY=30 ;; red) REPLY=31 ;; green) REPLY=32 ;; yellow) REPLY=33 ;;
    blue) REPLY=34 ;; magenta) REPLY=35 ;; cyan) REPLY=36 ;; white) REPLY=37 ;;
    '' | *[!0-9]*) REPLY= ;;
    *) REPLY="38;5;$1" ;;
  esac
}

# KCTX_PROMPT_SEGMENT: the segment with readline's non-printing markers (\001 \002) around colours.
__kctx_render() {
  # A credential known to expire (from the kubeconfig index): one clock read, no fork.
  local __expired=0 __now
  if [[ -n ${__kctx_expires-} ]]; then
    printf -v __now '%(%s)T' -1
    (( __now >= __kctx_expires )) && __expired=1
  fi
  # Every input in one string: an unchanged prompt costs one comparison, not a re-render.
  local __key="$__expired|${KCTX_PROMPT_EXPIRED_MARK-}|${KCTX_PROMPT_CONTEXT-}|${KCTX_PROMPT_NAMESPACE-}|${KCTX_PROMPT_PROTECTED-}|${KCTX_PROMPT-}|\
${KCTX_PROMPT_FORMAT-}|${KCTX_PROMPT_SYMBOL-}|${KCTX_PROMPT_COLOR-}|${KCTX_PROMPT_COLOR_PROTECTED-}|\
${KCTX_PROMPT_COLORS-}|${KCTX_PROMPT_OVERRIDE_MARK-}|${NO_COLOR-}|${KCTX_CONFIRM-}|${KCTX_KUBECTL_VERSION-}|\
$__kctx_stale|${__kctx_unlock-}|${__kctx_unlock_ctx-}"
  [[ $__key == "${__kctx_rendered-}" ]] && return 0
  __kctx_rendered=$__key
  local __ctx=${KCTX_PROMPT_CONTEXT-} __ns=${KCTX_PROMPT_NAMESPACE-} __seg __mark= __color __pair __unlock=
  local -
  if [[ -z $__ctx || ${KCTX_PROMPT-on} == off ]]; then
    KCTX_PROMPT_SEGMENT=
    return 0
  fi
  # Names come from kubeconfig files: no control characters may reach the terminal.
  __ctx=${__ctx//[[:cntrl:]]/?}
  __ns=${__ns//[[:cntrl:]]/?}
  # Something in this shell overrides kctx's usual decision: a guard bypass or a kubectl version pin.
  if [[ ${KCTX_CONFIRM-} == "$__ctx" || -n ${KCTX_KUBECTL_VERSION-} ]]; then
    __mark=${KCTX_PROMPT_OVERRIDE_MARK-!}
  fi
  (( __kctx_stale )) && __mark+='?'
  (( __expired )) && __mark+=${KCTX_PROMPT_EXPIRED_MARK-✗}
  # An unlock in this shell (kctx unlock), with the time left; its context named when it is another one.
  if [[ -n ${__kctx_unlock-} ]]; then
    __unlock=" unlocked $__kctx_unlock"
    [[ ${__kctx_unlock_ctx-} == "${KCTX_PROMPT_CONTEXT-}" ]] || __unlock=" ${__kctx_unlock_ctx-}$__unlock"
  fi
  __seg=${KCTX_PROMPT_FORMAT:-$__kctx_format_default}
  __seg=${__seg//'{symbol}'/"${KCTX_PROMPT_SYMBOL-⎈}"}
  __seg=${__seg//'{override}'/"$__mark"}
  __seg=${__seg//'{unlock}'/"${__unlock//[[:cntrl:]]/?}"}
  __seg=${__seg//'{namespace}'/"$__ns"}
  __seg=${__seg//'{context}'/"$__ctx"}
  if [[ -z ${NO_COLOR-} ]]; then
    if [[ ${KCTX_PROMPT_PROTECTED-} == 1 ]]; then
      __kctx_sgr "${KCTX_PROMPT_COLOR_PROTECTED-red}"
      [[ -n $REPLY ]] && REPLY="1;$REPLY"
    else
      __color=${KCTX_PROMPT_COLOR-cyan}
      set -f  # KCTX_PROMPT_COLORS holds globs: split it, but never match them against files
      for __pair in ${KCTX_PROMPT_COLORS-}; do
        # shellcheck disable=SC2053  # the left side is a glob on purpose
        if [[ $__ctx == ${__pair%=*} ]]; then __color=${__pair##*=}; break; fi
      done
      __kctx_sgr "$__color"
    fi
    [[ -n $REPLY ]] && __seg=$'\001\e['"$REPLY"$'m\002'"$__seg"$'\001\e[0m\002'
  fi
  KCTX_PROMPT_SEGMENT=$__seg
}

# __kctx_unlock (time left) and __kctx_unlock_ctx while this shell has an unlock, read from its file with built-ins
# (__kctx_unlock_file is set by the kctx function after `kctx unlock`).
__kctx_unlock_read() {
  __kctx_unlock=
  [[ -n ${__kctx_unlock_file-} && -f $__kctx_unlock_file ]] || return 0
  local __k __v __ctx= __ends= __now __left
  while IFS='=' read -r __k __v; do
    case $__k in context) __ctx=$__v ;; ends) __ends=$__v ;; esac
  done < "$__kctx_unlock_file"
  [[ -n $__ends && $__ends != *[!0-9]* ]] || return 0
  printf -v __now '%(%s)T' -1
  (( __left = __ends - __now ))
  if (( __left <= 0 )); then return 0
  elif (( __left >= 3600 )); then printf -v __left '%dh%02dm' $((__left / 3600)) $((__left % 3600 / 60))
  elif (( __left >= 60 )); then __left="$((__left / 60))m"
  else __left="${__left}s"
  fi
  __kctx_unlock=$__left __kctx_unlock_ctx=$__ctx
}

__kctx_prompt_hook() {
  local __rc=$?
  if [[ -n ${KCTX_SESSION-} ]]; then
    __kctx_refresh
    __kctx_unlock_read
    __kctx_render
    # Put the segment in PS1 once (re-checked because rc files and themes set PS1 after us).
    if [[ ${KCTX_PROMPT_AUTO-1} != 0 && ${PS1-} != *KCTX_PROMPT_SEGMENT* ]] && shopt -q promptvars; then
      PS1='${KCTX_PROMPT_SEGMENT:+$KCTX_PROMPT_SEGMENT }'${PS1-}
    fi
  fi
  return $__rc
}

# `use`, `ns` and `ctx` change this shell's session: pick the change up right away.
# `prompt on|off|toggle` only changes this shell, so it never leaves the function.
function kctx {
  if [[ ${1-} == prompt && $# == 2 ]]; then
    case $2 in
      on | off) export KCTX_PROMPT=$2; __kctx_render; return 0 ;;
      toggle)
        if [[ ${KCTX_PROMPT-on} == off ]]; then export KCTX_PROMPT=on; else export KCTX_PROMPT=off; fi
        __kctx_render
        return 0 ;;
    esac
  fi
  local __rc
  "${__kctx_bin[@]}" "$@"
  __rc=$?
  if [[ ${1-} == unlock || ${1-} == lock ]]; then
    __kctx_unlock_file=$("${__kctx_bin[@]}" unlock --state-file 2>/dev/null)
  fi
  __kctx_refresh
  __kctx_unlock_read
  __kctx_render
  return $__rc
}

__kctx_exit() {
  [[ ${KCTX_SESSION_PID-} == "$$" ]] || return 0
  command rm -f -- "$KCTX_SESSION" "${KCTX_SESSION%.json}.env" "${KCTX_SESSION%.json}.seen" \
    "$KCTX_SESSION.lock" 2>/dev/null
}

# A session inherits the parent shell's when that one still exists; otherwise it starts from the files
# this shell had before kctx narrowed KUBECONFIG (or kubectl's default when that is not known).
__kctx_start() {
  local __s
  if [[ -e ${KCTX_SESSION-} ]]; then
    __s=$("${__kctx_bin[@]}" session start --pid "$$") || return 1
  else
    __s=$(KCTX_SESSION='' KUBECONFIG=${__kctx_kubeconfig0-} "${__kctx_bin[@]}" session start --pid "$$") ||
      return 1
  fi
  export KCTX_SESSION=$__s KCTX_SESSION_PID=$$
}

[[ -n ${KCTX_SESSION-} ]] || __kctx_kubeconfig0=${KUBECONFIG-}
if [[ -z ${KCTX_SESSION-} || ${KCTX_SESSION_PID-} != "$$" || ! -e ${KCTX_SESSION-} ]]; then
  __kctx_start
fi
# Stamps of shells that ended without their EXIT trap (kill -9) go with their sessions.
for __kctx_s in ${KCTX_SESSION:+"${KCTX_SESSION%/*}"/*.seen}; do
  [[ -e $__kctx_s && ! -e ${__kctx_s%.seen}.json ]] && command rm -f -- "$__kctx_s"
done
unset __kctx_s
__kctx_sync
__kctx_refresh
__kctx_render

# First in PROMPT_COMMAND so later hooks (starship, oh-my-posh) see fresh values. Assigning without an
# index writes element 0, which also keeps a bash 5.1+ PROMPT_COMMAND array an array.
if [[ ${PROMPT_COMMAND[*]-} != *__kctx_prompt_hook* ]]; then
  PROMPT_COMMAND="__kctx_prompt_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi
if [[ $(trap -p EXIT) != *__kctx_exit* ]]; then
  __kctx_prev_exit=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  trap "__kctx_exit${__kctx_prev_exit:+;$__kctx_prev_exit}" EXIT
  unset __kctx_prev_exit
fi

# --- short names (opt-in) -------------------------------------------------------------------------
__kctx_alias_wanted() {
  local __want=${KCTX_ALIASES-}
  case " ${__want//,/ } " in *" 1 "* | *" all "* | *" $1 "*) return 0 ;; esac
  return 1
}
# `function NAME` so an existing alias of that name is not expanded inside the definition.
if __kctx_alias_wanted k; then
  unalias k 2>/dev/null
  function k { kubectl "$@"; }
fi
if __kctx_alias_wanted kubectx; then
  unalias kubectx 2>/dev/null
  function kubectx { kctx ctx "$@"; }
fi
if __kctx_alias_wanted kubens; then
  unalias kubens 2>/dev/null
  function kubens { kctx ns "$@"; }
fi

# --- completions ------------------------------------------------------------------------------------
# kctx's own: next to the launcher when kctx runs from its package, else printed by kctx.
__kctx_comp=${__kctx_bin[${#__kctx_bin[@]}-1]}
if [[ $__kctx_comp == */launch.py && -r ${__kctx_comp%/launch.py}/data/completions/kctx.bash ]]; then
  . "${__kctx_comp%/launch.py}/data/completions/kctx.bash"
else
  eval "$("${__kctx_bin[@]}" completion bash 2>/dev/null)"
fi
unset __kctx_comp
__kctx_alias_wanted kubectx && complete -F __kctx_complete_kubectx kubectx
__kctx_alias_wanted kubens && complete -F __kctx_complete_kubens kubens

# kubectl's own, through the shim, loaded at the first <Tab> after `kubectl` so start-up pays nothing.
# With bash-completion loaded, kubectl's script is used (generated once per kubectl binary and cached
# by kctx); returning 124 makes bash retry with the completion it has just registered. Without
# bash-completion that script cannot work, so kubectl's `__complete` protocol is spoken directly.
__kctx_kubectl_lazy() {
  local __f
  if declare -F _get_comp_words_by_ref >/dev/null &&
    __f=$("${__kctx_bin[@]}" completion kubectl-script bash 2>/dev/null) && [[ -r $__f ]]; then
    . "$__f"
  fi
  if declare -F __start_kubectl >/dev/null; then
    complete -o default -F __start_kubectl kubectl
    __kctx_alias_wanted k && complete -o default -F __start_kubectl k
  else
    complete -F __kctx_kubectl_complete kubectl
    __kctx_alias_wanted k && complete -F __kctx_kubectl_complete k
  fi
  return 124
}

# cobra's protocol: `kubectl __complete ARGS… CURRENT` prints candidates (TAB description), then
# ":DIRECTIVE" (bits: 1 error, 2 no space, 4 no file completion, 8 file extensions, 16 folders).
__kctx_kubectl_complete() {
  local __line=${COMP_LINE:0:COMP_POINT} __word=${COMP_WORDS[COMP_CWORD]-} __cur __out __dir __pre __c
  local -a __args __lines
  read -ra __args <<<"$__line"
  [[ -z $__line || $__line == *[[:space:]] ]] && __args+=("")
  __cur=${__args[${#__args[@]}-1]}
  __out=$("${__args[0]}" __complete "${__args[@]:1}" 2>/dev/null) || return 0
  mapfile -t __lines <<<"$__out"
  __dir=${__lines[${#__lines[@]}-1]#:}
  [[ -n $__dir && $__dir != *[!0-9]* ]] || return 0
  unset '__lines[${#__lines[@]}-1]'
  (( __dir & 1 )) && return 0
  if (( __dir & 24 )); then
    compopt -o default 2>/dev/null  # files or folders: bash's own filename completion
    return 0
  fi
  (( __dir & 2 )) && compopt -o nospace 2>/dev/null
  __pre=
  [[ $__cur == *"$__word" ]] && __pre=${__cur%"$__word"}
  COMPREPLY=()
  for __c in "${__lines[@]}"; do
    __c=${__c%%$'\t'*}
    [[ -n $__c && $__c == "$__cur"* ]] && COMPREPLY+=("${__c#"$__pre"}")
  done
  (( ${#COMPREPLY[@]} || __dir & 4 )) || compopt -o default 2>/dev/null
}
complete -p kubectl &>/dev/null || complete -F __kctx_kubectl_lazy kubectl
if __kctx_alias_wanted k && ! complete -p k &>/dev/null; then
  complete -F __kctx_kubectl_lazy k
fi
