# Turns a text asset into a C++ source defining `extern const char NAME[]` (run with cmake -P).
# Inputs: INPUT (file), OUTPUT (.cpp), NAME (symbol).
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; edit that file.\nnamespace leakscope::viz {\nextern const char ${NAME}[];\nconst char ${NAME}[] = R\"LEAKSCOPE_ASSET(${content})LEAKSCOPE_ASSET\";\n}\n")
