# kctx shell integration for zsh. Load it with:  eval "$(kctx init zsh)"
# Safe to load twice: PATH, hooks, PROMPT, completions and traps are only changed once.
# Prompt settings (read at every prompt): KCTX_PROMPT=on|off, KCTX_PROMPT_FORMAT, KCTX_PROMPT_SYMBOL,
# KCTX_PROMPT_COLOR, KCTX_PROMPT_COLOR_PROTECTED, KCTX_PROMPT_COLORS, KCTX_PROMPT_OVERRIDE_MARK,
# KCTX_PROMPT_EXPIRED_MARK, NO_COLOR.
# KCTX_PROMPT_AUTO=0 keeps PROMPT alone; KCTX_ALIASES=1 (or "k kubectx kubens") adds the short names.
typeset -ga __kctx_bin=(@KCTX_BIN@)
typeset -g __kctx_shim_dir=@KCTX_SHIM_DIR@

if [[ ":$PATH:" != *":$__kctx_shim_dir:"* ]]; then
  export PATH="$__kctx_shim_dir:$PATH"
fi

# --- session state --------------------------------------------------------------------------------
# An unchanged prompt only compares file times with built-ins ([[ -nt ]] compares nanoseconds): every
# file the state depends on against a stamp file touched, by a redirection, before the state was read.
typeset -ga __kctx_deps
typeset -gi __kctx_stale=0
typeset -g __kctx_format_default='{symbol} {context}:{namespace}{override}{unlock}'

# Read the session's .env (KUBECONFIG and the prompt values) with built-ins only.
__kctx_sync() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  local __k __v
  __kctx_deps=()
  typeset -g __kctx_expires=
  while IFS='=' read -r __k __v; do
    case $__k in
      KUBECONFIG) export KUBECONFIG="$__v"; __kctx_deps+=(${(s.:.)__v}) ;;
      KCTX_CONTEXT) export KCTX_PROMPT_CONTEXT="$__v" ;;
      KCTX_NAMESPACE) export KCTX_PROMPT_NAMESPACE="$__v" ;;
      KCTX_PROTECTED) export KCTX_PROMPT_PROTECTED="$__v" ;;
      KCTX_EXPIRES) __kctx_expires=${__v//[^0-9]/} ;;
      KCTX_CONTEXT_FILE) [[ -n $__v && ${__kctx_deps[(Ie)$__v]} == 0 ]] && __kctx_deps+=("$__v") ;;
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

# True when a file the state depends on may have changed since the stamp was touched (a tie counts).
# zsh's -nt is false when the second file is missing (bash's is true): a missing file is unchanged.
__kctx_changed() {
  local __f
  for __f in "${__kctx_deps[@]}"; do
    [[ ${KCTX_SESSION%.json}.seen -nt $__f || ! -e $__f ]] || return 0
  done
  return 1
}

# Forks only when a file changed behind kctx's back (kubectl wrote the session, a kubeconfig or the
# config was edited); when kctx itself wrote the .env, reading it is enough.
__kctx_refresh() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  __kctx_changed || return 0
  if [[ ! -e $KCTX_SESSION ]]; then
    # Removed under us (e.g. $XDG_RUNTIME_DIR goes at logout while tmux lives on): never show a
    # context kubectl no longer uses; start over from the kubeconfig, and say so.
    print -ru2 -- "kctx: this shell's session $KCTX_SESSION is gone; starting a new one"
    __kctx_start || { unset KCTX_SESSION; typeset -g KCTX_PROMPT_CONTEXT=; return 0; }
    __kctx_sync
  fi
  local __env=${KCTX_SESSION%.json}.env __stamp=${KCTX_SESSION%.json}.seen __f __sync=0
  : >|"$__stamp" 2>/dev/null  # before reading: a change made while we read is seen next time
  for __f in "${__kctx_deps[@]}"; do
    if [[ $__f -nt $__stamp ]]; then
      # Dated in the future (clock skew): it cannot be ordered; its next write resets its time.
      if [[ " ${__kctx_future-} " != *" $__f "* ]]; then
        typeset -g __kctx_future="${__kctx_future-} $__f"
        print -ru2 -- "kctx: $__f has a modification time in the future;" \
          "the prompt follows it again once it is rewritten"
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
    '' | *[^0-9]*) REPLY= ;;
    *) REPLY="38;5;$1" ;;
  esac
}

# KCTX_PROMPT_SEGMENT: the segment as prompt text (% doubled, colours inside %{ %}).
__kctx_render() {
  # A credential known to expire (from the kubeconfig index): one clock read (a prompt escape), no fork.
  # The escape sits in a variable: written inline, its braces end ${(%):-…} early (a math error each prompt).
  local __expired=0 __clock='%D{%s}'
  [[ -n ${__kctx_expires-} ]] && (( ${(%)__clock} >= __kctx_expires )) && __expired=1
  # Every input in one string: an unchanged prompt costs one comparison, not a re-render.
  local __key="$__expired|${KCTX_PROMPT_EXPIRED_MARK-}|${KCTX_PROMPT_CONTEXT-}|${KCTX_PROMPT_NAMESPACE-}|${KCTX_PROMPT_PROTECTED-}|${KCTX_PROMPT-}|\
${KCTX_PROMPT_FORMAT-}|${KCTX_PROMPT_SYMBOL-}|${KCTX_PROMPT_COLOR-}|${KCTX_PROMPT_COLOR_PROTECTED-}|\
${KCTX_PROMPT_COLORS-}|${KCTX_PROMPT_OVERRIDE_MARK-}|${NO_COLOR-}|${KCTX_CONFIRM-}|${KCTX_KUBECTL_VERSION-}|\
$__kctx_stale|${__kctx_unlock-}|${__kctx_unlock_ctx-}"
  [[ $__key == "${__kctx_rendered-}" ]] && return 0
  typeset -g __kctx_rendered=$__key
  local __ctx=${KCTX_PROMPT_CONTEXT-} __ns=${KCTX_PROMPT_NAMESPACE-} __seg __mark= __color __pair REPLY __unlock=
  if [[ -z $__ctx || ${KCTX_PROMPT-on} == off ]]; then
    typeset -g KCTX_PROMPT_SEGMENT=
    return 0
  fi
  # Something in this shell overrides kctx's usual decision: a guard bypass or a kubectl version pin.
  if [[ ${KCTX_CONFIRM-} == "$__ctx" || -n ${KCTX_KUBECTL_VERSION-} ]]; then
    __mark=${KCTX_PROMPT_OVERRIDE_MARK-!}
  fi
  (( __kctx_stale )) && __mark+='?'
  (( __expired )) && __mark+=${KCTX_PROMPT_EXPIRED_MARK-✗}
  # An unlock in this shell (kctx unlock), with the time left; its context named when it is another one.
  if [[ -n ${__kctx_unlock-} ]]; then
    __unlock=" unlocked $__kctx_unlock"
    [[ ${__kctx_unlock_ctx-} == "$__ctx" ]] || __unlock=" ${__kctx_unlock_ctx-}$__unlock"
  fi
  __color=${KCTX_PROMPT_COLOR-cyan}
  for __pair in ${=KCTX_PROMPT_COLORS-}; do
    if [[ $__ctx == ${~__pair%=*} ]]; then __color=${__pair##*=}; break; fi
  done
  # Names come from kubeconfig files: no control characters, and no prompt escapes.
  __ctx=${${__ctx//[[:cntrl:]]/?}//\%/%%}
  __ns=${${__ns//[[:cntrl:]]/?}//\%/%%}
  __mark=${__mark//\%/%%}
  __unlock=${${__unlock//[[:cntrl:]]/?}//\%/%%}
  __seg=${KCTX_PROMPT_FORMAT:-$__kctx_format_default}
  __seg=${__seg//'{symbol}'/${KCTX_PROMPT_SYMBOL-⎈}}
  __seg=${__seg//'{override}'/$__mark}
  __seg=${__seg//'{unlock}'/$__unlock}
  __seg=${__seg//'{namespace}'/$__ns}
  __seg=${__seg//'{context}'/$__ctx}
  if [[ -z ${NO_COLOR-} ]]; then
    if [[ ${KCTX_PROMPT_PROTECTED-} == 1 ]]; then
      __kctx_sgr "${KCTX_PROMPT_COLOR_PROTECTED-red}"
      [[ -n $REPLY ]] && REPLY="1;$REPLY"
    else
      __kctx_sgr "$__color"
    fi
    [[ -n $REPLY ]] && __seg="%{"$'\e['"${REPLY}m%}$__seg%{"$'\e[0m'"%}"
  fi
  typeset -g KCTX_PROMPT_SEGMENT=$__seg
}

# Put the segment at the front of PROMPT. With prompt_subst a reference is enough (and safe); without
# it the text itself goes in, replaced at each change.
__kctx_place() {
  [[ ${KCTX_PROMPT_AUTO-1} != 0 ]] || return 0
  if [[ -o promptsubst ]]; then
    [[ $PROMPT == *KCTX_PROMPT_SEGMENT* ]] || PROMPT='${KCTX_PROMPT_SEGMENT:+$KCTX_PROMPT_SEGMENT }'$PROMPT
    return 0
  fi
  local __now=${KCTX_PROMPT_SEGMENT:+$KCTX_PROMPT_SEGMENT }
  if [[ -n ${__kctx_placed-} && $PROMPT == "$__kctx_placed"* ]]; then
    [[ $__now == "$__kctx_placed" ]] && return 0
    PROMPT=${PROMPT#"$__kctx_placed"}
  fi
  PROMPT=$__now$PROMPT
  typeset -g __kctx_placed=$__now
}

# __kctx_unlock (time left) and __kctx_unlock_ctx while this shell has an unlock, read from its file with built-ins
# (__kctx_unlock_file is set by the kctx function after `kctx unlock`).
__kctx_unlock_read() {
  typeset -g __kctx_unlock= __kctx_unlock_ctx=
  [[ -n ${__kctx_unlock_file-} && -f $__kctx_unlock_file ]] || return 0
  local __k __v __ctx= __ends= __left
  while IFS='=' read -r __k __v; do
    case $__k in context) __ctx=$__v ;; ends) __ends=$__v ;; esac
  done < "$__kctx_unlock_file"
  [[ -n $__ends && $__ends != *[^0-9]* ]] || return 0
  zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null || return 0
  (( __left = __ends - EPOCHSECONDS ))
  if (( __left <= 0 )); then return 0
  elif (( __left >= 3600 )); then __left=$(( __left / 3600 ))h${(l:2::0:)$(( __left % 3600 / 60 ))}m
  elif (( __left >= 60 )); then __left="$(( __left / 60 ))m"
  else __left="${__left}s"
  fi
  typeset -g __kctx_unlock=$__left __kctx_unlock_ctx=$__ctx
}

__kctx_precmd() {
  [[ -n ${KCTX_SESSION-} ]] || return 0
  __kctx_refresh
  __kctx_unlock_read
  __kctx_render
  __kctx_place
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
    typeset -g __kctx_unlock_file=$("${__kctx_bin[@]}" unlock --state-file 2>/dev/null)
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

[[ -n ${KCTX_SESSION-} ]] || typeset -g __kctx_kubeconfig0=${KUBECONFIG-}
if [[ -z ${KCTX_SESSION-} || ${KCTX_SESSION_PID-} != "$$" || ! -e ${KCTX_SESSION-} ]]; then
  __kctx_start
fi
# Stamps of shells that ended without their exit hook (kill -9) go with their sessions.
for __kctx_s in ${KCTX_SESSION:+${KCTX_SESSION%/*}/*.seen(N)}; do
  [[ -e ${__kctx_s%.seen}.json ]] || command rm -f -- "$__kctx_s"
done
unset __kctx_s
__kctx_sync
__kctx_refresh
__kctx_render

# First among the precmd hooks, so later ones (starship, oh-my-posh, themes) see fresh values.
typeset -ga precmd_functions
precmd_functions=(__kctx_precmd ${precmd_functions:#__kctx_precmd})
autoload -Uz add-zsh-hook
add-zsh-hook zshexit __kctx_exit

# --- short names (opt-in) -------------------------------------------------------------------------
__kctx_alias_wanted() {
  [[ " ${${KCTX_ALIASES-}//,/ } " == *" "(1|all|$1)" "* ]]
}
# `function NAME` so an existing alias of that name is not expanded inside the definition.
if __kctx_alias_wanted k; then
  unalias k 2>/dev/null
  function k { kubectl "$@" }
fi
if __kctx_alias_wanted kubectx; then
  unalias kubectx 2>/dev/null
  function kubectx { kctx ctx "$@" }
fi
if __kctx_alias_wanted kubens; then
  unalias kubens 2>/dev/null
  function kubens { kctx ns "$@" }
fi

# --- completions ------------------------------------------------------------------------------------
# kubectl's own, through the shim: its script is generated once per kubectl binary (kctx caches it) and
# loaded at the first <Tab> after `kubectl`, so shell start-up pays nothing.
__kctx_kubectl_lazy() {
  local __f
  __f=$("${__kctx_bin[@]}" completion kubectl-script zsh 2>/dev/null) && [[ -r $__f ]] || return 1
  source "$__f"
  (( $+functions[_kubectl] )) || return 1
  __kctx_alias_wanted k && compdef _kubectl k
  _kubectl "$@"
}

# compdef exists only after compinit; rc files often run it after this line, so retry at the first prompt.
__kctx_compdef() {
  (( $+functions[compdef] )) || return 1
  compdef _kctx kctx
  __kctx_alias_wanted kubectx && compdef _kctx kubectx
  __kctx_alias_wanted kubens && compdef _kctx kubens
  (( $+_comps[kubectl] )) || compdef __kctx_kubectl_lazy kubectl
  if __kctx_alias_wanted k && (( ! $+_comps[k] )); then compdef __kctx_kubectl_lazy k; fi
  return 0
}
__kctx_compdef_later() {
  __kctx_compdef || return 0
  precmd_functions=(${precmd_functions:#__kctx_compdef_later})
}

# kctx's own: next to the launcher when kctx runs from its package, else printed by kctx.
typeset -g __kctx_comp=${__kctx_bin[-1]}
if [[ $__kctx_comp == */launch.py && -r ${__kctx_comp%/launch.py}/data/completions/_kctx ]]; then
  source "${__kctx_comp%/launch.py}/data/completions/_kctx"
else
  eval "$("${__kctx_bin[@]}" completion zsh 2>/dev/null)"
fi
unset __kctx_comp
if ! __kctx_compdef && (( ! ${precmd_functions[(Ie)__kctx_compdef_later]} )); then
  precmd_functions+=(__kctx_compdef_later)
fi
