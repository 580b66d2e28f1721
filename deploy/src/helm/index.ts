export { helmTemplate, helmLint, helmPackage, runHelm, parseManifests, HelmError, type HelmTemplateOptions, type KubeObject } from './render.js';
export { validateObject, validateObjects, KNOWN_KINDS, type ValidationProblem } from './validate.js';
export { podSpecOf, settingEnvNames, envValue, type ContainerView, type EnvVarView, type ProbeView, type PodSpecView } from './pod.js';
