"""REINFORCE (after reinforcement_learning/reinforce.py) on a tiny corridor world written
here: a policy network, Categorical sampling and log_prob, discounted returns normalized
with the machine epsilon, and a running reward."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical


class Corridor:
    """Start in the middle of 7 cells; reaching the right end gives +1, the left end -1."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = 3
        return self.observe()

    def observe(self):
        obs = np.zeros(7, dtype=np.float32)
        obs[self.pos] = 1
        return obs

    def step(self, action):
        self.pos += 1 if action == 1 else -1
        if self.rng.random() < 0.1:  # a slippery floor
            self.pos = min(max(self.pos - (1 if action == 1 else -1), 0), 6)
        done = self.pos in (0, 6)
        reward = 1.0 if self.pos == 6 else (-1.0 if self.pos == 0 else -0.01)
        return self.observe(), reward, done


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(7, 32)
        self.dropout = nn.Dropout(p=0.1)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


torch.manual_seed(543)
env = Corridor(543)
policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()
gamma = 0.99


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    R = 0
    policy_loss = []
    returns = []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


running_reward = -1
for i_episode in range(1, 81):
    state, ep_reward = env.reset(), 0
    for t in range(1, 50):
        action = select_action(state)
        state, reward, done = env.step(action)
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    if len(policy.rewards) > 1:
        finish_episode()
    else:
        del policy.rewards[:]
        del policy.saved_log_probs[:]
    if i_episode % 20 == 0:
        print("Episode {}\tLast reward: {:.2f}\tAverage reward: {:.2f}".format(
            i_episode, ep_reward, running_reward))
with torch.no_grad():
    policy.eval()
    right = policy(torch.eye(7)[1:6])[:, 1]
print("P(right) in the corridor:", [round(p, 2) for p in right.tolist()])
print("entropy of a fair coin: {:.4f}".format(Categorical(torch.tensor([0.5, 0.5])).entropy()))
