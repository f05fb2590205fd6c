/** Shared by the NetworkPolicy cluster policies, so that they agree on which namespaces they leave alone. */
export const IGNORED_NAMESPACES_PARAMETER = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
  default: ['kube-system', 'kube-public', 'kube-node-lease'],
  description: 'Namespaces not reported: by default the control plane\'s own, which the platform manages.',
} as const;
